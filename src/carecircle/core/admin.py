from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import ApiToken, AuditLog, HolidayDay, HolidayYear, IdempotencyKey, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "display_name", "role", "team", "partner", "is_active")
    list_filter = ("role", "is_active", "is_staff", "team")
    search_fields = ("username", "display_name", "employee_no")
    list_select_related = ("team", "partner")
    raw_id_fields = ("customer", "partner")
    fieldsets = (
        *BaseUserAdmin.fieldsets,  # type: ignore[misc]
        (
            "CareCircle",
            {
                "fields": (
                    "role",
                    "display_name",
                    "employee_no",
                    "licence_no",
                    "team",
                    "partner",
                    "customer",
                )
            },
        ),
    )


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    """Append-only: readable by administrators, never added, changed or deleted here."""

    list_display = ("at", "actor", "action", "object_type", "object_id", "summary")
    list_filter = ("action", "object_type")
    search_fields = ("object_id", "summary", "actor__username")
    date_hierarchy = "at"
    list_select_related = ("actor",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued by `carecircle api_token` (the only time the token is seen); here they
    are listed and revoked."""

    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked")
    list_filter = ("revoked",)
    search_fields = ("name", "user__username", "prefix")
    readonly_fields = ("user", "name", "prefix", "token_hash", "created_at", "last_used_at")
    list_select_related = ("user",)

    def has_add_permission(self, request):
        return False


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(admin.ModelAdmin):
    list_display = ("key", "user", "scope", "object_id", "created_at")
    search_fields = ("key", "user__username")
    list_select_related = ("user",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class HolidayDayInline(admin.TabularInline):
    model = HolidayDay
    fields = ("date", "weekday", "kind", "name")
    readonly_fields = fields
    extra = 0
    can_delete = False

    @admin.display(description="星期 / weekday")
    def weekday(self, obj):
        return obj.date.strftime("%a")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(HolidayYear)
class HolidayYearAdmin(admin.ModelAdmin):
    """The State Council schedules the work calendar is built from: read here, loaded with
    `carecircle calendar load YEAR [--file PATH]` (a year is replaced whole, never hand-edited
    day by day, so what is loaded is always one published notice)."""

    list_display = ("year", "source", "days_off", "working_days", "loaded_at", "loaded_by")
    readonly_fields = ("year", "source", "url", "loaded_at", "loaded_by")
    inlines = [HolidayDayInline]

    @admin.display(description="放假天数 / days off")
    def days_off(self, obj):
        return obj.days.filter(kind=HolidayDay.Kind.OFF).count()

    @admin.display(description="调休上班 / working weekends")
    def working_days(self, obj):
        return obj.days.filter(kind=HolidayDay.Kind.WORKING).count()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
