import json

from django.contrib import admin
from django.utils.html import format_html

from .models import ModelVersion


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
