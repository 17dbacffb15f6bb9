import json

from django.contrib import admin
from django.utils.html import format_html

from .models import CustomerValue, ListEntry, ListEvent, ModelVersion, TierReview, ValueRun


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    """Model versions are written by `carecircle value fit`; the admin only shows them."""

    list_display = ("kind", "version", "name", "is_active", "training_rows", "created_at")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "training_data_hash")
    fields = (
        "kind",
        "name",
        "version",
        "is_active",
        "created_at",
        "training_rows",
        "training_data_hash",
        "schema_version",
        "metrics_table",
        "relativities_table",
        "parameters",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="指标 / metrics")
    def metrics_table(self, obj: ModelVersion) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.metrics, indent=2, ensure_ascii=False))

    @admin.display(description="相对系数 / relativities")
    def relativities_table(self, obj: ModelVersion) -> str:
        tables = obj.coefficients.get("relativities", {})
        lines = []
        for part, factors in tables.items():
            for factor, levels in factors.items():
                cells = ", ".join(f"{r['level']}: {r['relativity']:.3f}" for r in levels)
                lines.append(f"{part} · {factor} — {cells}")
        return format_html("<pre>{}</pre>", "\n".join(lines))


class ReadOnlyAdmin(admin.ModelAdmin):
    """Written by the value engine and the decision services, never edited by hand here:
    decisions go through the review and list pages, which record who and why."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ValueRun)
class ValueRunAdmin(ReadOnlyAdmin):
    list_display = ("id", "as_of", "status", "is_current", "started_at", "seconds")
    list_filter = ("status", "is_current")
    readonly_fields = [f.name for f in ValueRun._meta.fields]


@admin.register(CustomerValue)
class CustomerValueAdmin(ReadOnlyAdmin):
    list_display = ("customer", "run", "tier", "rule_tier", "lifetime_value", "needs_review")
    list_filter = ("tier", "needs_review", "list_proposal")
    raw_id_fields = ("customer", "run")
    show_full_result_count = False  # no COUNT(*) over a million rows


@admin.register(TierReview)
class TierReviewAdmin(ReadOnlyAdmin):
    list_display = ("customer", "current_tier", "proposed_tier", "reason", "status", "created_at")
    list_filter = ("status", "reason")
    raw_id_fields = ("customer", "run", "decided_by")


class ListEventInline(admin.TabularInline):
    model = ListEvent
    extra = 0
    can_delete = False
    readonly_fields = ("at", "actor", "action", "from_status", "to_status", "note")


@admin.register(ListEntry)
class ListEntryAdmin(ReadOnlyAdmin):
    list_display = ("customer", "kind", "status", "proposed_at", "expires_on")
    list_filter = ("kind", "status")
    raw_id_fields = ("customer", "proposed_by_run", "decided_by")
    inlines = [ListEventInline]
