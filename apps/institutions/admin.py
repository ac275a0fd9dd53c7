"""Admin of the institutions app: the province extends the list of kinds here; institutions change through services."""

from django.contrib import admin

from apps.institutions.models import Institution, InstitutionKind, InstitutionStep


@admin.register(InstitutionKind)
class InstitutionKindAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "plan_task", "sort", "is_active"]
    list_filter = ["plan_task", "is_active"]
    search_fields = ["code", "name", "name_en"]


class InstitutionStepInline(admin.TabularInline):
    model = InstitutionStep
    extra = 0
    can_delete = False
    fields = ["at", "action", "from_status", "to_status", "actor", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "level", "region", "status", "recognised_on"]
    list_filter = ["status", "level", "kind"]
    search_fields = ["name", "document_number"]
    list_select_related = ["kind", "region"]
    inlines = [InstitutionStepInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
