"""Proposals (投保单) and their payments: a quoted renewal waits here until the customer pays,
and only then are the policies issued (见费出单, docs/payments.md).

Imported by ``policies.models`` so Django registers them with the app.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from carecircle.core.access import RestrictedQuerySet, customer_reach
from carecircle.core.models import TimeStampedModel
from carecircle.core.money import ZERO, MoneyField

from .choices import SERVICE_RIDERS, Channel, PolicyKind
from .coverage_terms import CoverageTerms

HALF_CENT = models.Value(Decimal("0.005"))


class ProposalStatus(models.TextChoices):
    AWAITING_PAYMENT = "awaiting_payment", _("待支付 / Awaiting payment")
    PAID = "paid", _("已支付·待出单 / Paid, not yet issued")
    ISSUED = "issued", _("已出单 / Issued")
    EXPIRED = "expired", _("已过期 / Expired unpaid")
    CANCELLED = "cancelled", _("已撤销 / Cancelled")


OPEN_PROPOSAL = (ProposalStatus.AWAITING_PAYMENT,)


class PaymentStatus(models.TextChoices):
    CREATED = "created", _("待支付 / Created")
    PAID = "paid", _("已支付 / Paid")
    # Money arrived for a proposal that had expired, was cancelled or was already paid by
    # another order: a person refunds it (nothing is issued twice).
    REFUND_DUE = "refund_due", _("待退款 / Paid, refund due")


class ProposalQuerySet(RestrictedQuerySet):
    reach = customer_reach("customer")

    def awaiting(self):
        return self.filter(status=ProposalStatus.AWAITING_PAYMENT)


class Proposal(TimeStampedModel):
    """One offer to the customer: the policies quoted (commercial and/or compulsory), the
    vehicle tax collected with 交强险, and the total due. ``pay_token`` is the secret in the
    customer's payment link; ``idempotency_key`` makes a repeated "accepted" one proposal."""

    proposal_no = models.CharField(_("投保单号 / proposal no."), max_length=32, unique=True)
    customer = models.ForeignKey(
        "parties.Customer", on_delete=models.PROTECT, related_name="proposals"
    )
    vehicle = models.ForeignKey(
        "parties.Vehicle", on_delete=models.PROTECT, related_name="proposals"
    )
    status = models.CharField(
        _("状态 / status"),
        max_length=16,
        choices=ProposalStatus.choices,
        default=ProposalStatus.AWAITING_PAYMENT,
    )
    premium = MoneyField(_("保费合计 / premium"))
    vehicle_tax = MoneyField(_("代收车船税 / vehicle tax"), default=ZERO)
    total_due = MoneyField(_("应付合计 / total due"))
    expires_at = models.DateTimeField(_("报价有效期至 / offer open until"))
    idempotency_key = models.CharField(max_length=64, unique=True)
    pay_token = models.CharField(max_length=64, unique=True)
    channel = models.CharField(_("渠道 / channel"), max_length=16, choices=Channel.choices)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="proposals",
        verbose_name=_("出单人员 / seat or agent"),
    )
    paid_at = models.DateTimeField(null=True, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.CharField(max_length=255, blank=True)
    # Paid but could not be issued (e.g. renewed elsewhere meanwhile): a person follows up.
    issue_error = models.CharField(max_length=255, blank=True)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["status", "expires_at"])]
        constraints = [
            # Within half a cent, not "=": SQLite stores decimals as floating point, so an exact
            # sum (¥2,955.10 + ¥360.20) can compare unequal there; PostgreSQL's numeric is exact.
            models.CheckConstraint(
                condition=Q(
                    total_due__gte=models.F("premium") + models.F("vehicle_tax") - HALF_CENT,
                    total_due__lte=models.F("premium") + models.F("vehicle_tax") + HALF_CENT,
                ),
                name="proposal_total_is_premium_plus_tax",
            ),
        ]

    def __str__(self) -> str:
        return self.proposal_no

    @property
    def is_open(self) -> bool:
        return self.status == ProposalStatus.AWAITING_PAYMENT

    @property
    def has_riders(self) -> bool:
        """Whether the issued policies carry service riders (their vouchers follow)."""
        return ProposalCoverage.objects.filter(
            line__proposal=self, code__in=SERVICE_RIDERS
        ).exists()


class ProposalPolicy(models.Model):
    """One quoted policy in a proposal; ``policy`` is set once it is issued."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(_("险种 / kind"), max_length=12, choices=PolicyKind.choices)
    renews = models.ForeignKey(
        "policies.Policy", on_delete=models.PROTECT, related_name="renewal_proposals"
    )
    effective_date = models.DateField(_("起保日期 / effective"))
    expiry_date = models.DateField(_("终保日期 / expiry"))
    premium = MoneyField(_("保费 / premium"))
    vehicle_tax = MoneyField(_("代收车船税 / vehicle tax"), null=True, blank=True)
    ncd_level = models.SmallIntegerField(null=True, blank=True)
    ncd_coefficient = models.DecimalField(max_digits=5, decimal_places=3, null=True, blank=True)
    pricing_coefficient = models.DecimalField(max_digits=5, decimal_places=3, null=True, blank=True)
    traffic_violation_coefficient = models.DecimalField(
        max_digits=5, decimal_places=3, default=Decimal("1.000")
    )
    policy = models.OneToOneField(
        "policies.Policy",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="proposal_line",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["proposal", "kind"], name="proposal_kind_once"),
        ]

    def __str__(self) -> str:
        return f"{self.proposal_id} {self.kind} {self.premium}"


class ProposalCoverage(CoverageTerms):
    line = models.ForeignKey(ProposalPolicy, on_delete=models.CASCADE, related_name="coverages")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["line", "code"], name="proposal_coverage_once"),
            models.CheckConstraint(
                condition=Q(premium__gte=0), name="proposal_coverage_premium_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.line_id} {self.code}"


class PaymentOrder(models.Model):
    """A payment order at the gateway for a proposal (our ``reference`` is the vendor's
    out_trade_no); paid at most once."""

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="payments")
    gateway = models.CharField(max_length=32)
    reference = models.CharField(max_length=64, unique=True)
    amount = MoneyField(_("金额 / amount"))
    status = models.CharField(
        max_length=12, choices=PaymentStatus.choices, default=PaymentStatus.CREATED
    )
    pay_url = models.CharField(max_length=500, blank=True)
    gateway_txn = models.CharField(_("支付流水号 / gateway transaction"), max_length=64, blank=True)
    created_at = models.DateTimeField()
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["proposal", "status"])]

    def __str__(self) -> str:
        return f"{self.reference} {self.amount} {self.status}"
