"""Settlement: each merchant's monthly statement (对账单) and its lines."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from carecircle.core.access import Action, Reach, RestrictedQuerySet
from carecircle.core.models import TimeStampedModel
from carecircle.core.money import ZERO, MoneyField
from carecircle.core.roles import Perm

from ..choices import LineKind, StatementStatus
from .redemptions import Redemption


class StatementQuerySet(RestrictedQuerySet):
    reach = {Action.VIEW: Reach(merchant="merchant", whole_book=(Perm.MANAGE_ALLIANCE,))}


class Statement(TimeStampedModel):
    """One merchant's monthly statement (对账单): lines at the agreed price, approved, exported."""

    merchant = models.ForeignKey(
        "parties.Partner", on_delete=models.PROTECT, related_name="alliance_statements"
    )
    month = models.DateField(_("月份 / month"), help_text=_("the first day of the month"))
    status = models.CharField(
        _("状态 / status"), max_length=12, choices=StatementStatus.choices, default="draft"
    )
    total = MoneyField(_("合计 / total"), default=ZERO)
    lines_count = models.PositiveIntegerField(_("笔数 / lines"), default=0)
    dispute_reason = models.CharField(_("异议 / dispute"), max_length=255, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    objects = StatementQuerySet.as_manager()

    class Meta:
        verbose_name = _("结算对账单 / statement")
        verbose_name_plural = _("结算对账单 / statements")
        ordering = ["-month", "merchant"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "month"], name="alliance_statement_once")
        ]

    def __str__(self) -> str:
        return f"{self.merchant} {self.month:%Y-%m}"


class StatementLine(models.Model):
    """A redemption (+ agreed price), its reversal (−) or a person's adjustment (±).

    A redemption is on at most one statement as a redemption and at most one as a reversal
    (unique constraint), so recomputing never counts it twice."""

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(_("类型 / kind"), max_length=12, choices=LineKind.choices)
    redemption = models.ForeignKey(
        Redemption, null=True, blank=True, on_delete=models.PROTECT, related_name="lines"
    )
    amount = MoneyField(_("金额 / amount"))
    note = models.CharField(_("说明 / note"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("对账单明细 / statement line")
        verbose_name_plural = _("对账单明细 / statement lines")
        constraints = [
            models.UniqueConstraint(
                fields=["redemption", "kind"],
                condition=Q(redemption__isnull=False),
                name="alliance_line_once_per_redemption",
            )
        ]

    def __str__(self) -> str:
        return f"{self.statement} {self.kind} {self.amount}"
