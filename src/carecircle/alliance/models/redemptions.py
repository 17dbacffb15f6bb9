"""Redemptions: a voucher used at a merchant (reversible within the window), and every
refused code tried (the guessing brake's log)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from carecircle.core.access import RestrictedQuerySet, customer_reach
from carecircle.core.money import MoneyField
from carecircle.core.roles import Perm

from ..choices import AttemptOutcome, RedemptionStatus
from .catalogue import MerchantLocation, MerchantOffer
from .vouchers import Voucher


class MerchantRowsQuerySet(RestrictedQuerySet):
    """Rows that belong to a merchant and a customer (redemptions, bookings)."""

    reach = customer_reach(
        "voucher__customer",
        merchant="merchant",
        whole_book=(Perm.SEE_ALL_CUSTOMERS, Perm.MANAGE_ALLIANCE),
    )


class Redemption(models.Model):
    """A voucher used at a merchant, at the agreed price; reversed within the window."""

    voucher = models.ForeignKey(Voucher, on_delete=models.PROTECT, related_name="redemptions")
    merchant = models.ForeignKey(
        "parties.Partner", on_delete=models.PROTECT, related_name="alliance_redemptions"
    )
    location = models.ForeignKey(
        MerchantLocation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    offer = models.ForeignKey(MerchantOffer, on_delete=models.PROTECT, related_name="+")
    agreed_price = MoneyField(_("结算价 / agreed price"))
    redeemed_at = models.DateTimeField(_("核销时间 / redeemed"))
    redeemed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        _("状态 / status"), max_length=12, choices=RedemptionStatus.choices, default="completed"
    )
    reversed_at = models.DateTimeField(_("冲正时间 / reversed"), null=True, blank=True)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reversal_reason = models.CharField(_("冲正原因 / reversal reason"), max_length=255, blank=True)

    objects = MerchantRowsQuerySet.as_manager()

    class Meta:
        verbose_name = _("核销记录 / redemption")
        verbose_name_plural = _("核销记录 / redemptions")
        indexes = [models.Index(fields=["merchant", "redeemed_at"])]
        constraints = [
            # Second guard behind the conditional UPDATE: one completed use per voucher.
            models.UniqueConstraint(
                fields=["voucher"],
                condition=Q(status="completed"),
                name="alliance_one_completed_redemption",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.voucher} @ {self.merchant_id} ({self.status})"


class RedemptionAttempt(models.Model):
    """Every refused code, per merchant user: the guessing brake and its log (first four
    symbols only).  Successes are the redemptions themselves."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    merchant = models.ForeignKey(
        "parties.Partner", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField()
    code_tried = models.CharField(max_length=20, help_text=_("仅保留前4位 / first 4 characters"))
    outcome = models.CharField(max_length=16, choices=AttemptOutcome.choices)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = _("核销尝试 / redemption attempt")
        verbose_name_plural = _("核销尝试 / redemption attempts")
        indexes = [models.Index(fields=["user", "at"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.outcome} @ {self.at:%Y-%m-%d %H:%M}"
