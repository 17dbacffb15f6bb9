from django import forms
from django.contrib import admin

from carecircle.core.errors import DomainError

from . import ncd
from .models import Coverage, Policy
from .models_proposals import PaymentOrder, Proposal, ProposalPolicy


class CoverageInline(admin.TabularInline):
    model = Coverage
    extra = 0


class PolicyAdminForm(forms.ModelForm):
    """The NCD level must be on the ladder of the customer's region (−5 only in Beijing and
    Xiamen); the coefficient follows it, never typed in (as in ``services._check_policy``)."""

    class Meta:
        model = Policy
        fields = (
            "policy_no",
            "kind",
            "customer",
            "vehicle",
            "effective_date",
            "expiry_date",
            "premium",
            "vehicle_tax",
            "currency",
            "ncd_level",
            "pricing_coefficient",
            "traffic_violation_coefficient",
            "channel",
            "agent",
            "partner",
            "renews",
            "cancelled_on",
            "source",
        )

    def clean(self):
        data = super().clean() or {}
        level, customer = data.get("ncd_level"), data.get("customer")
        if level is None:
            self.instance.ncd_coefficient = None
        elif customer is not None:
            try:
                self.instance.ncd_coefficient = ncd.coefficient(
                    level, province=customer.province, city=customer.city
                )
            except DomainError as exc:
                self.add_error("ncd_level", exc.message)
        return data


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    form = PolicyAdminForm
    list_display = (
        "policy_no",
        "kind",
        "channel",
        "effective_date",
        "expiry_date",
        "premium",
        "currency",
        "ncd_level",
    )
    list_filter = ("kind", "channel", "currency")
    search_fields = ("policy_no",)
    date_hierarchy = "expiry_date"
    raw_id_fields = ("customer", "vehicle", "agent", "partner", "renews")
    readonly_fields = ("ncd_coefficient",)
    inlines = [CoverageInline]
    show_full_result_count = False


class ProposalLineInline(admin.TabularInline):
    model = ProposalPolicy
    extra = 0
    can_delete = False
    fields = ("kind", "renews", "effective_date", "expiry_date", "premium", "policy")
    readonly_fields = fields


class PaymentOrderInline(admin.TabularInline):
    model = PaymentOrder
    extra = 0
    can_delete = False
    readonly_fields = [f.name for f in PaymentOrder._meta.fields]


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    """Read-only: a proposal changes only through its services (payment, expiry, cancel), so
    money and issue stay exactly-once; the admin is where a person finds one to refund."""

    list_display = ("proposal_no", "status", "total_due", "expires_at", "paid_at", "issue_error")
    list_filter = ("status",)
    search_fields = ("proposal_no",)
    inlines = (ProposalLineInline, PaymentOrderInline)

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
