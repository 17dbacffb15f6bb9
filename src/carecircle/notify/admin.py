from django.contrib import admin

from .models import Message, OutboxEntry, Unsubscribe


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
