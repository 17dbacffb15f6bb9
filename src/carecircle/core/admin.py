from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import AuditLog, User


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
