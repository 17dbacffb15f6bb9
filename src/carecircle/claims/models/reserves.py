"""The reserve ledger: a claim's case and expense (ALAE) reserves per coverage change only by
movements, so the balance at any date is opening + movements (issue #16)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from carecircle.core.money import MoneyField
from carecircle.policies.choices import CoverageCode

from ..choices import ReserveChangeStatus, ReserveKind, ReserveType
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


class ReserveChange(models.Model):
    """A handler's manual revision of one reserve (to ``new_balance``) with its reason. Within
    the handler's limit it is applied at once; above it, it waits here until a claims approver
    whose authority covers it applies it (the movement then names the approver) or declines
    it. ``movement`` is the movement it made."""

    claim = models.ForeignKey(
        "claims.Claim", on_delete=models.PROTECT, related_name="reserve_changes"
    )
    coverage = models.CharField(_("险别 / coverage"), max_length=24, choices=CoverageCode.choices)
    reserve_type = models.CharField(
        _("准备金类型 / reserve"),
        max_length=8,
        choices=ReserveType.choices,
        default=ReserveType.CASE,
    )
    balance_before = MoneyField(_("调整前 / before"))
    new_balance = MoneyField(_("调整为 / new balance"))
    reason = models.TextField(_("原因 / reason"))
    status = models.CharField(
        _("状态 / status"),
        max_length=8,
        choices=ReserveChangeStatus.choices,
        default=ReserveChangeStatus.PENDING,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(_("申请时间 / requested at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("处理时间 / decided at"), null=True, blank=True)
    decision_note = models.CharField(_("批注 / note"), max_length=255, blank=True)
    movement = models.OneToOneField(
        ReserveMovement, null=True, blank=True, on_delete=models.PROTECT, related_name="change"
    )

    objects = ClaimChildQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [
            models.Index(
                fields=["requested_at"],
                name="reserve_change_pending_idx",
                condition=Q(status="pending"),
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(new_balance__gte=0), name="reserve_change_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.claim_id} {self.coverage} {self.reserve_type} → {self.new_balance}"

    @property
    def amount(self):
        return self.new_balance - self.balance_before
