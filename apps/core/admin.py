from django.contrib import admin

from apps.core.models import CalendarDay, Code, Country, OutboxTask, Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "level", "parent", "unit", "is_official", "is_active"]
    list_filter = ["level", "is_official", "is_active"]
    search_fields = ["code", "name", "name_en"]
    list_select_related = ["parent", "unit"]
    readonly_fields = ["code"]


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ["code", "alpha3", "name", "name_en"]
    search_fields = ["code", "alpha3", "name", "name_en"]


@admin.register(Code)
class CodeAdmin(admin.ModelAdmin):
    list_display = ["list", "code", "name", "name_en", "parent", "sort", "is_active"]
    list_filter = ["list", "is_active"]
    search_fields = ["code", "name", "name_en"]
    list_select_related = ["parent"]


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """The province's list of holidays and make-up working days (also loaded from fixtures/reference/calendar.csv)."""

    list_display = ["date", "is_working", "note"]
    list_filter = ["is_working"]
    date_hierarchy = "date"


@admin.register(OutboxTask)
class OutboxTaskAdmin(admin.ModelAdmin):
    """Tasks the broker has not taken yet: empty unless Redis is (or was) down."""

    list_display = ["task", "args", "created_at", "attempts", "last_error"]
    readonly_fields = ["task", "args", "created_at", "attempts", "last_error"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
