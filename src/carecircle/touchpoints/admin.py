from django.contrib import admin

from .models import Interaction


@admin.register(Interaction)
class InteractionAdmin(admin.ModelAdmin):
    list_display = ("occurred_at", "contact_type", "medium", "direction", "outcome", "staff")
    list_filter = ("contact_type", "medium", "direction", "outcome")
    search_fields = ("interaction_no", "summary")
    date_hierarchy = "occurred_at"
    raw_id_fields = ("customer", "staff", "partner", "policy", "claim")
    list_select_related = ("staff",)
    show_full_result_count = False
