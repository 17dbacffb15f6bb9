from django.contrib import admin

from .models import ApiToken, IdempotencyKey


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued by `carecircle api_token` (the only time the token is seen); here they
    are listed and revoked."""

    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked")
    list_filter = ("revoked",)
    search_fields = ("name", "user__username", "prefix")
    readonly_fields = ("user", "name", "prefix", "token_hash", "created_at", "last_used_at")
    list_select_related = ("user",)

    def has_add_permission(self, request):
        return False


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(admin.ModelAdmin):
    list_display = ("key", "user", "scope", "object_id", "created_at")
    search_fields = ("key", "user__username")
    list_select_related = ("user",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
