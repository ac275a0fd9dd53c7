"""Admin of packages and catalogue editions: read-only, for looking things up; they change through
``apps.achievements.packages`` (the pages and the API), which check the policies and freeze what is published.

Loaded by ``apps/achievements/admin.py`` (``from apps.achievements import package_admin  # noqa: F401``).
"""

from django.contrib import admin

from apps.achievements.models import CatalogueEdition, CatalogueEntry, Package, PackageItem


class _ReadOnly:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PackageItemInline(_ReadOnly, admin.TabularInline):
    model = PackageItem
    extra = 0
    fields = ["sort", "achievement", "note"]
    readonly_fields = fields


@admin.register(Package)
class PackageAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ["title", "kind", "publisher", "period", "batch", "push_field", "status", "published_at"]
    list_filter = ["status", "kind", "push_field"]
    search_fields = ["title", "period", "publisher__name"]
    list_select_related = ["publisher"]
    inlines = [PackageItemInline]


class CatalogueEntryInline(_ReadOnly, admin.TabularInline):
    model = CatalogueEntry
    extra = 0
    fields = ["number", "name", "tech_field", "push_field", "holder", "achievement"]
    readonly_fields = fields


@admin.register(CatalogueEdition)
class CatalogueEditionAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ["title", "year", "version", "document_number", "status", "published_at"]
    list_filter = ["status", "year"]
    search_fields = ["title", "document_number"]
    inlines = [CatalogueEntryInline]
