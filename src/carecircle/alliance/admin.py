"""Back-office configuration: the catalogue and the entitlement packages are edited here."""

from django.contrib import admin

from .models import (
    EntitlementItem,
    EntitlementPackage,
    MerchantLocation,
    MerchantOffer,
    Redemption,
    ServiceProduct,
    Statement,
    StatementLine,
    Voucher,
)


@admin.register(ServiceProduct)
class ServiceProductAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "public_price", "rider", "active")
    list_filter = ("kind", "active")
    search_fields = ("code", "name")


@admin.register(MerchantLocation)
class MerchantLocationAdmin(admin.ModelAdmin):
    list_display = ("name", "merchant", "city", "opening_hours", "daily_capacity", "active")
    list_filter = ("active", "city")
    search_fields = ("name", "merchant__name")
    raw_id_fields = ("merchant",)


@admin.register(MerchantOffer)
class MerchantOfferAdmin(admin.ModelAdmin):
    list_display = ("merchant", "product", "price_to_insurer", "public_price", "active")
    list_filter = ("product", "active")
    search_fields = ("merchant__name",)
    raw_id_fields = ("merchant",)


class EntitlementItemInline(admin.TabularInline):
    model = EntitlementItem
    extra = 1


@admin.register(EntitlementPackage)
class EntitlementPackageAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "min_tier", "rider", "vehicle_use", "campaign", "active")
    list_filter = ("active", "min_tier", "rider")
    inlines = [EntitlementItemInline]


@admin.register(Voucher)
class VoucherAdmin(admin.ModelAdmin):
    list_display = ("code", "product", "status", "valid_until", "source")
    list_filter = ("status", "source", "product")
    search_fields = ("code",)
    raw_id_fields = ("customer", "policy", "merchant", "issued_by")
    readonly_fields = ("code", "status", "redeemed_at", "merchant", "entitlement_seq")


@admin.register(Redemption)
class RedemptionAdmin(admin.ModelAdmin):
    list_display = ("voucher", "merchant", "agreed_price", "redeemed_at", "status")
    list_filter = ("status",)
    raw_id_fields = ("voucher", "merchant", "location", "offer", "redeemed_by", "reversed_by")

    def has_change_permission(self, request, obj=None):
        return False  # state changes go through services (exactly once, audited)


class StatementLineInline(admin.TabularInline):
    model = StatementLine
    extra = 0
    raw_id_fields = ("redemption", "created_by")

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Statement)
class StatementAdmin(admin.ModelAdmin):
    list_display = ("merchant", "month", "status", "total", "lines_count")
    list_filter = ("status", "month")
    raw_id_fields = ("merchant", "approved_by")
    inlines = [StatementLineInline]

    def has_change_permission(self, request, obj=None):
        return False
