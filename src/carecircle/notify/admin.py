from django.contrib import admin

from .models import DeliveryAttempt, LetterTask, Message, OutboxEntry, Unsubscribe


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "customer",
        "kind",
        "purpose",
        "channel",
        "status",
        "block_reason",
    )
    list_filter = ("status", "purpose", "channel", "block_reason")
    search_fields = ("kind", "dedupe_key", "customer__customer_no")
    raw_id_fields = ("customer", "requested_by")


admin.site.register(OutboxEntry)
admin.site.register(Unsubscribe)


@admin.register(LetterTask)
class LetterTaskAdmin(admin.ModelAdmin):
    """Read here; a letter is recorded posted on the staff page (/notify/letters/), audited."""

    list_display = ("created_at", "customer", "message", "posted_at", "tracking_no")
    list_filter = ("posted_at",)
    raw_id_fields = ("message", "customer", "posted_by")
    readonly_fields = ("message", "customer", "created_at", "posted_at", "posted_by", "tracking_no")

    def has_delete_permission(self, request, obj=None):
        return False  # a letter task never disappears


@admin.register(DeliveryAttempt)
class DeliveryAttemptAdmin(admin.ModelAdmin):
    list_display = ("at", "message", "channel", "outcome", "error")
    list_filter = ("channel", "outcome")
    raw_id_fields = ("message",)
