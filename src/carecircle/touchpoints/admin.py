from django.contrib import admin

from .models import Complaint, ComplaintEvent, Interaction, Referral, Survey


@admin.register(Interaction)
class InteractionAdmin(admin.ModelAdmin):
    list_display = ("occurred_at", "contact_type", "medium", "direction", "outcome", "staff")
    list_filter = ("contact_type", "medium", "direction", "outcome")
    search_fields = ("interaction_no", "summary")
    date_hierarchy = "occurred_at"
    raw_id_fields = ("customer", "staff", "partner", "policy", "claim")
    list_select_related = ("staff",)
    show_full_result_count = False


class ComplaintEventInline(admin.TabularInline):
    model = ComplaintEvent
    extra = 0
    can_delete = False
    readonly_fields = ("at", "actor", "action", "from_status", "to_status", "note")


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    """Read-mostly: complaints move through the workflow pages (touchpoints.services.complaints)."""

    list_display = ("complaint_no", "received_at", "category", "severity", "status", "due_at")
    list_filter = ("status", "category", "severity", "channel", "touchpoint")
    search_fields = ("complaint_no", "summary")
    raw_id_fields = (
        "customer",
        "owner",
        "claim",
        "policy",
        "interaction",
        "partner",
        "merchant",
        "staff",
    )
    readonly_fields = ("status", "escalation_level", "escalated_at", "resolved_at", "closed_at")
    inlines = [ComplaintEventInline]


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ("sent_at", "moment", "touchpoint", "status", "csat", "nps")
    list_filter = ("moment", "touchpoint", "status")
    raw_id_fields = ("customer", "staff", "partner", "claim", "policy", "complaint", "message")


@admin.register(Referral)
class ReferralAdmin(admin.ModelAdmin):
    list_display = ("recorded_at", "referred_name", "status", "partner")
    list_filter = ("status",)
    raw_id_fields = ("referrer", "referred", "partner", "staff", "policy")
