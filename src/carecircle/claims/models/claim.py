"""The claim record. The claims workflow (issue #5) grows on this same model."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from carecircle.core.access import ScopedQuerySet
from carecircle.core.models import TimeStampedModel
from carecircle.core.money import ZERO, MoneyField
from carecircle.policies.choices import CoverageCode, Currency


class ClaimStatus(models.TextChoices):
    REPORTED = "reported", _("已报案 / Reported")
    DISPATCHED = "dispatched", _("已调度 / Dispatched")
    SURVEYED = "surveyed", _("已查勘 / Surveyed")
    REGISTERED = "registered", _("已立案 / Registered")
    ASSESSED = "assessed", _("已定损 / Assessed")
    ADJUSTED = "adjusted", _("已理算 / Adjusted")
    APPROVED = "approved", _("已核赔 / Approved")
    PAID = "paid", _("已支付 / Paid")
    CLOSED = "closed", _("已结案 / Closed")
    WITHDRAWN = "withdrawn", _("已撤案 / Withdrawn")
    REJECTED = "rejected", _("已拒赔 / Rejected")


OPEN_STATUSES = frozenset(
    s
    for s in ClaimStatus
    if s not in {ClaimStatus.CLOSED, ClaimStatus.WITHDRAWN, ClaimStatus.REJECTED}
)


class ClaimQuerySet(ScopedQuerySet):
    customer_path = "policy__customer"


class Claim(TimeStampedModel):
    claim_no = models.CharField(_("赔案号 / claim no."), max_length=40, unique=True)
    policy = models.ForeignKey("policies.Policy", on_delete=models.PROTECT, related_name="claims")
    vehicle = models.ForeignKey("parties.Vehicle", on_delete=models.PROTECT, related_name="claims")
    coverage = models.CharField(_("险别 / coverage"), max_length=24, choices=CoverageCode.choices)
    accident_at = models.DateTimeField(_("出险时间 / accident at"))
    reported_at = models.DateTimeField(_("报案时间 / reported at"))
    amount_reserved = MoneyField(_("估损金额 / reserve"), default=ZERO)
    amount_paid = MoneyField(_("已付金额 / paid"), default=ZERO)
    currency = models.CharField(max_length=3, choices=Currency.choices, default=Currency.CNY)
    status = models.CharField(
        _("状态 / status"), max_length=16, choices=ClaimStatus.choices, default=ClaimStatus.REPORTED
    )
    injury = models.BooleanField(_("涉及人伤 / injury"), default=False)
    paid_at = models.DateTimeField(_("支付时间 / paid at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间 / closed at"), null=True, blank=True)
    description = models.TextField(_("经过 / description"), blank=True)
    # 送修: the repair shop or 4S shop the claim was referred to; scorecards set the repair
    # value each shop receives against the premium it brings.
    repair_shop = models.ForeignKey(
        "parties.Partner",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="repaired_claims",
        verbose_name=_("修理厂 / repair shop"),
    )
    source = models.CharField(max_length=32, blank=True)

    objects = ClaimQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["policy", "accident_at"]), models.Index(fields=["status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(reported_at__gte=F("accident_at")), name="claim_reported_after_accident"
            ),
            models.CheckConstraint(
                condition=Q(amount_paid__gte=0) & Q(amount_reserved__gte=0),
                name="claim_amounts_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.claim_no
