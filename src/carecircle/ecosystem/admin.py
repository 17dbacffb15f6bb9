from django.contrib import admin

from .models import (
    Agreement,
    CommissionAdjustment,
    CommissionLine,
    CommissionSchedule,
    CommissionStatement,
    WeatherAlert,
)


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    list_display = ("agreement_no", "partner", "status", "starts_on", "ends_on")
    list_filter = ("status", "partner__kind")
    search_fields = ("agreement_no", "partner__name", "partner__code")
    raw_id_fields = ("partner", "created_by")


@admin.register(WeatherAlert)
class WeatherAlertAdmin(admin.ModelAdmin):
    list_display = ("day", "city", "level", "warning")
    list_filter = ("level", "city")


class _ReadOnly(admin.ModelAdmin):
    """Commission schedules and statements change only through ``commissions.services`` (the
    caps, the licence, the audit); the admin reads them."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class AdjustmentInline(admin.TabularInline):
    model = CommissionAdjustment
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CommissionSchedule)
class CommissionScheduleAdmin(_ReadOnly):
    list_display = ("partner", "agent", "line", "base_rate", "starts_on", "ends_on", "active")
    list_filter = ("line", "active")
    search_fields = ("partner__name", "partner__code", "agent__username")
    inlines = [AdjustmentInline]


@admin.register(CommissionStatement)
class CommissionStatementAdmin(_ReadOnly):
    list_display = ("statement_no", "partner", "agent", "month", "status", "total")
    list_filter = ("status", "month")
    search_fields = ("statement_no", "partner__name")


@admin.register(CommissionLine)
class CommissionLineAdmin(_ReadOnly):
    list_display = ("statement", "policy", "kind", "line", "rate", "amount")
    list_filter = ("kind", "line", "segment")
    raw_id_fields = ("statement", "policy")
