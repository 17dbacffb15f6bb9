from django.contrib import admin

from .models import Coverage, Policy


class CoverageInline(admin.TabularInline):
    model = Coverage
    extra = 0


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    list_display = (
        "policy_no",
        "kind",
        "channel",
        "effective_date",
        "expiry_date",
        "premium",
        "currency",
        "ncd_level",
    )
    list_filter = ("kind", "channel", "currency")
    search_fields = ("policy_no",)
    date_hierarchy = "expiry_date"
    raw_id_fields = ("customer", "vehicle", "agent", "partner", "renews")
    inlines = [CoverageInline]
    show_full_result_count = False
