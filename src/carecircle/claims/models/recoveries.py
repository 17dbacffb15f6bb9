"""Recoveries (追偿): subrogation against a third party or its insurer (代位求偿) and salvage
(残值) of what the insurer took over. Net incurred = paid + reserve − recoveries; a claim's
``amount_recovered`` is the sum of both, kept by ``services.recoveries`` (issue #16)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from carecircle.core.money import ZERO, MoneyField

from ..choices import SalvageStatus, SubrogationStatus
from .workflow import ClaimChildQuerySet


class Subrogation(models.Model):
    """代位求偿: the insurer, having paid, pursues the party at fault (or its insurer).
    Each amount recovered is a ``SubrogationReceipt`` with its own date (the report counts
    it there); ``amount_recovered`` caches their sum and ``recovered_on`` is the date of the
    last one. ``written_off_on`` is the write-off's; sought = recovered + written off + still
    pursued."""

    claim = models.ForeignKey("claims.Claim", on_delete=models.PROTECT, related_name="subrogations")
    against = models.CharField(_("追偿对象 / against"), max_length=128)
    against_insurer = models.CharField(
        _("对方保险公司 / their insurer"), max_length=128, blank=True
    )
    status = models.CharField(
        _("状态 / status"),
        max_length=12,
        choices=SubrogationStatus.choices,
        default=SubrogationStatus.OPEN,
    )
    amount_sought = MoneyField(_("追偿金额 / amount sought"))
    sought_on = models.DateField(_("发起日期 / sought on"))
    amount_recovered = MoneyField(_("已追回 / recovered"), default=ZERO)
    recovered_on = models.DateField(_("追回日期 / recovered on"), null=True, blank=True)
    amount_written_off = MoneyField(_("核销金额 / written off"), default=ZERO)
    written_off_on = models.DateField(_("核销日期 / written off on"), null=True, blank=True)
    note = models.CharField(_("备注 / note"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间 / recorded at"))

    objects = ClaimChildQuerySet.as_manager()

    class Meta:
        ordering = ["sought_on", "id"]
        indexes = [models.Index(fields=["recovered_on"], name="subrogation_recovered_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_sought__gt=0)
                & Q(amount_recovered__gte=0)
                & Q(amount_written_off__gte=0),
                name="subrogation_amounts_positive",
            ),
            models.CheckConstraint(
                condition=Q(amount_sought__gte=F("amount_recovered") + F("amount_written_off")),
                name="subrogation_within_sought",
            ),
        ]
        verbose_name = _("代位求偿 / subrogation")
        verbose_name_plural = _("代位求偿 / subrogations")

    def __str__(self) -> str:
        return f"{self.claim_id} → {self.against} {self.amount_sought}"

    @property
    def outstanding(self):
        return self.amount_sought - self.amount_recovered - self.amount_written_off


class SubrogationReceipt(models.Model):
    """One amount recovered on a subrogation, on its day and by whom: ¥3k in 2025 and ¥2k in
    2026 are two receipts, each counted in its own period. Append-only."""

    subrogation = models.ForeignKey(Subrogation, on_delete=models.PROTECT, related_name="receipts")
    claim = models.ForeignKey(
        "claims.Claim", on_delete=models.PROTECT, related_name="subrogation_receipts"
    )
    amount = MoneyField(_("追回金额 / amount"))
    received_on = models.DateField(_("追回日期 / received on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间 / recorded at"))

    objects = ClaimChildQuerySet.as_manager()

    class Meta:
        ordering = ["received_on", "id"]
        indexes = [models.Index(fields=["received_on"], name="subrogation_receipt_on_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="subrogation_receipt_positive"),
        ]
        verbose_name = _("追偿收款 / subrogation receipt")
        verbose_name_plural = _("追偿收款 / subrogation receipts")

    def __str__(self) -> str:
        return f"{self.subrogation_id} {self.received_on} {self.amount}"


class Salvage(models.Model):
    """残值: a damaged vehicle or parts the insurer took over, valued then sold (or
    abandoned); the proceeds are a recovery on the claim at ``sold_on``."""

    claim = models.ForeignKey("claims.Claim", on_delete=models.PROTECT, related_name="salvages")
    description = models.CharField(_("残值物 / item"), max_length=128)
    status = models.CharField(
        _("状态 / status"),
        max_length=10,
        choices=SalvageStatus.choices,
        default=SalvageStatus.VALUED,
    )
    valued_amount = MoneyField(_("估值 / valued at"))
    valued_on = models.DateField(_("估值日期 / valued on"))
    sold_on = models.DateField(_("处置日期 / sold on"), null=True, blank=True)
    proceeds = MoneyField(_("处置收入 / proceeds"), default=ZERO)
    buyer = models.CharField(_("买方 / buyer"), max_length=128, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间 / recorded at"))

    objects = ClaimChildQuerySet.as_manager()

    class Meta:
        ordering = ["valued_on", "id"]
        indexes = [models.Index(fields=["sold_on"], name="salvage_sold_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(valued_amount__gte=0) & Q(proceeds__gte=0),
                name="salvage_amounts_not_negative",
            ),
        ]
        verbose_name = _("残值 / salvage")
        verbose_name_plural = _("残值 / salvage")

    def __str__(self) -> str:
        return f"{self.claim_id} {self.description} {self.valued_amount}"
