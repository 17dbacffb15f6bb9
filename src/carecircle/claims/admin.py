from django.contrib import admin

from .models import (
    ApprovalAuthority,
    Claim,
    ClaimFlag,
    ClaimPayment,
    ClaimTransition,
    FastTrackRule,
    RepairService,
    RepairTerms,
)


class TransitionInline(admin.TabularInline):
    model = ClaimTransition
    extra = 0
    can_delete = False
    fields = ("at", "action", "from_status", "to_status", "actor", "reason")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    list_display = (
        "claim_no",
        "coverage",
        "status",
        "accident_at",
        "reported_at",
        "injury",
        "fast_track",
        "clock_state",
    )
    list_filter = ("status", "coverage", "injury", "fast_track", "clock_state")
    search_fields = ("claim_no",)
    date_hierarchy = "reported_at"
    raw_id_fields = ("policy", "vehicle", "handler", "approved_by", "repair_shop")
    # Set by screening and the shop portal, each with its timeline step: not edited by hand.
    readonly_fields = (
        "screened_at", "shop_accepted_at", "shop_estimate", "shop_estimate_amount", "repair_done_at",
    )  # fmt: skip
    show_full_result_count = False
    inlines = [TransitionInline]


@admin.register(ApprovalAuthority)
class ApprovalAuthorityAdmin(admin.ModelAdmin):
    list_display = ("role", "limit", "level")


@admin.register(FastTrackRule)
class FastTrackRuleAdmin(admin.ModelAdmin):
    list_display = ("name", "active", "max_amount", "require_clear_liability", "updated_at")


@admin.register(RepairTerms)
class RepairTermsAdmin(admin.ModelAdmin):
    list_display = (
        "shop",
        "labour_rate",
        "list_labour_rate",
        "parts_factor",
        "capacity_per_week",
        "rating",
        "active",
    )
    raw_id_fields = ("shop",)


@admin.register(ClaimPayment)
class ClaimPaymentAdmin(admin.ModelAdmin):
    list_display = ("claim", "kind", "round", "amount", "payee", "status", "created_at")
    raw_id_fields = ("claim", "payee_shop", "created_by")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ClaimFlag)
class ClaimFlagAdmin(admin.ModelAdmin):
    list_display = ("claim", "code", "status", "raised_at", "reviewer")
    list_filter = ("status", "code")
    raw_id_fields = ("claim", "reviewer")


@admin.register(RepairService)
class RepairServiceAdmin(admin.ModelAdmin):
    list_display = ("customer", "shop", "price", "list_price", "booked_for", "status")
    raw_id_fields = ("customer", "vehicle", "shop", "booked_by")
