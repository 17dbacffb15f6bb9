from django.contrib import admin

from .models import DataExport, PrivacyRequest, RetentionRun


@admin.register(PrivacyRequest)
class PrivacyRequestAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "subject", "customer", "received_at", "due_on", "status")
    list_filter = ("kind", "status")
    raw_id_fields = ("customer", "escalated_to", "answered_by")
    readonly_fields = [f.name for f in PrivacyRequest._meta.fields]


@admin.register(DataExport)
class DataExportAdmin(admin.ModelAdmin):
    list_display = ("id", "customer", "status", "ready_at", "expires_at", "downloads")
    readonly_fields = [f.name for f in DataExport._meta.fields]


@admin.register(RetentionRun)
class RetentionRunAdmin(admin.ModelAdmin):
    list_display = ("started_at", "as_of", "dry_run", "counts")
    readonly_fields = [f.name for f in RetentionRun._meta.fields]
