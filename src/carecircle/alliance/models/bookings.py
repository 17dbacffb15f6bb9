"""Bookings and ratings: a customer books a visit for a voucher and rates the service used
(both feed the merchant's quality review)."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..choices import BookingStatus
from .catalogue import MerchantLocation
from .redemptions import MerchantRowsQuerySet, Redemption
from .vouchers import Voucher


class Booking(models.Model):
    voucher = models.ForeignKey(Voucher, on_delete=models.CASCADE, related_name="bookings")
    merchant = models.ForeignKey("parties.Partner", on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(MerchantLocation, on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("预约日期 / day"))
    status = models.CharField(
        _("状态 / status"), max_length=12, choices=BookingStatus.choices, default="booked"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MerchantRowsQuerySet.as_manager()

    class Meta:
        verbose_name = _("预约 / booking")
        verbose_name_plural = _("预约 / bookings")
        indexes = [models.Index(fields=["location", "day"])]

    def __str__(self) -> str:
        return f"{self.voucher} {self.day} ({self.status})"


class Rating(models.Model):
    """A customer's rating of a redemption (1–5), optionally with a complaint."""

    redemption = models.OneToOneField(Redemption, on_delete=models.CASCADE, related_name="rating")
    merchant = models.ForeignKey("parties.Partner", on_delete=models.PROTECT, related_name="+")
    stars = models.PositiveSmallIntegerField(
        _("评分 / stars"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    complaint = models.BooleanField(_("投诉 / complaint"), default=False)
    comment = models.CharField(_("评价 / comment"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("服务评价 / rating")
        verbose_name_plural = _("服务评价 / ratings")
        constraints = [
            models.CheckConstraint(
                condition=Q(stars__gte=1) & Q(stars__lte=5), name="alliance_rating_stars"
            )
        ]

    def __str__(self) -> str:
        return f"{self.merchant_id} {self.stars}★"
