"""Admin of the contracts app: offices and rule versions are edited here; contracts only read.

Contracts change only through the services (the workflow and its audit trail), so the admin
shows them read-only.
"""

from django.contrib import admin

from apps.contracts.models import Contract, ContractImport, RegistrationOffice, RuleVersion, WorkflowEvent


@admin.register(RegistrationOffice)
class RegistrationOfficeAdmin(admin.ModelAdmin):
    list_display = ["code", "organisation", "covers_region", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "organisation__name"]
    list_select_related = ["organisation", "covers_region"]
    autocomplete_fields = ["organisation", "covers_organisations"]
    raw_id_fields = ["covers_region"]


@admin.register(RuleVersion)
class RuleVersionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "effective_from", "decision_days", "second_review_days", "second_review_threshold"]


class WorkflowEventInline(admin.TabularInline):
    model = WorkflowEvent
    extra = 0
    can_delete = False
    fields = ["at", "action", "from_status", "to_status", "actor", "reason_code", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ["registration_number", "version", "name", "seller_name", "status", "registered_on", "is_external"]
    list_filter = ["status", "is_external", "contract_type"]
    search_fields = ["registration_number", "name", "seller_name", "buyer_name", "seller_credit_code"]
    list_select_related = ["office"]
    inlines = [WorkflowEventInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ContractImport)
class ContractImportAdmin(admin.ModelAdmin):
    list_display = ["created_at", "filename", "source", "status", "created", "updated", "unchanged", "created_by"]
    list_filter = ["status", "source"]
    readonly_fields = [f.name for f in ContractImport._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
