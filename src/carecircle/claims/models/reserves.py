"""The reserve ledger: a claim's case and expense (ALAE) reserves per coverage change only by
movements, so the balance at any date is opening + movements (issue #16)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from carecircle.core.money import MoneyField
from carecircle.policies.choices import CoverageCode

from ..choices import ReserveKind, ReserveType
from .workflow import ClaimChildQuerySet


class ReserveMovement(models.Model):
    """One change of one reserve (claim × coverage × type); append-only. ``amount`` is signed
    (a take-down is negative); ``balance_after`` is that reserve's balance after it."""

    claim = models.ForeignKey(
        "claims.Claim", on_delete=models.PROTECT, related_name="reserve_movements"
    )
    coverage = models.CharField(_("险别 / coverage"), max_length=24, choices=CoverageCode.choices)
    reserve_type = models.CharField(
        _("准备金类型 / reserve"),
        max_length=8,
        choices=ReserveType.choices,
        default=ReserveType.CASE,
    )
    kind = models.CharField(_("变动 / movement"), max_length=8, choices=ReserveKind.choices)
    amount = MoneyField(_("变动金额 / amount"))
    balance_after = MoneyField(_("变动后余额 / balance after"))
    at = models.DateTimeField(_("时间 / at"))
    reason = models.TextField(_("原因 / reason"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("空 = 系统 / empty = the system"),
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("超出理赔员权限的调整由核赔人批准 / large changes approved by an approver"),
    )
    payment = models.ForeignKey(
        "claims.ClaimPayment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reserve_movements",
    )

    objects = ClaimChildQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["claim", "coverage", "reserve_type", "at"]),
            models.Index(fields=["at"], name="reserve_movement_at_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(balance_after__gte=0), name="reserve_balance_not_negative"
            ),
            # A payment moves each coverage's reserve once when confirmed, once when returned.
            models.UniqueConstraint(
                fields=["payment", "kind", "coverage"],
                condition=Q(payment__isnull=False),
                name="reserve_one_movement_per_payment_event",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.claim_id} {self.coverage} {self.reserve_type} {self.kind} {self.amount}"
