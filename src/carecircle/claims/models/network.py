"""Repair network: negotiated terms per shop, and discounted repairs booked without a claim."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from carecircle.core.access import RestrictedQuerySet, customer_reach
from carecircle.core.models import TimeStampedModel
from carecircle.core.money import MoneyField

from ..choices import RepairServiceStatus


class RepairTerms(TimeStampedModel):
    """Negotiated prices and capacity of a repair shop or 4S shop (one row per partner)."""

    shop = models.OneToOneField(
        "parties.Partner", on_delete=models.CASCADE, related_name="repair_terms"
    )
    labour_rate = MoneyField(_("协议工时费(元/小时) / labour rate per hour"))
    list_labour_rate = MoneyField(_("挂牌工时费 / list labour rate"))
    parts_factor = models.DecimalField(
        _("配件价格系数 / parts price factor"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.960"),
        validators=[MinValueValidator(Decimal("0.1")), MaxValueValidator(Decimal("1"))],
        help_text=_("配件按目录价的比例，如0.96 / share of list price, e.g. 0.96"),
    )
    capacity_per_week = models.PositiveIntegerField(_("每周接车能力 / cars a week"), default=20)
    rating = models.DecimalField(
        _("评分 / rating"), max_digits=3, decimal_places=2, null=True, blank=True
    )
    ratings_count = models.PositiveIntegerField(default=0)
    active = models.BooleanField(_("合作中 / active"), default=True)

    class Meta:
        verbose_name = _("修理厂协议 / repair terms")
        verbose_name_plural = _("修理厂协议 / repair terms")

    def __str__(self) -> str:
        return f"{self.shop} {self.labour_rate}/h ×{self.parts_factor}"


class RepairServiceQuerySet(RestrictedQuerySet):
    reach = customer_reach("customer", partner="shop")


class RepairService(TimeStampedModel):
    """A discounted repair booked through the network without a claim: a service, not a claim,
    so it never touches the customer's NCD."""

    customer = models.ForeignKey(
        "parties.Customer", on_delete=models.PROTECT, related_name="repair_services"
    )
    vehicle = models.ForeignKey("parties.Vehicle", on_delete=models.PROTECT, related_name="+")
    shop = models.ForeignKey("parties.Partner", on_delete=models.PROTECT, related_name="+")
    description = models.CharField(_("项目 / work"), max_length=255)
    list_price = MoneyField(_("目录价 / list price"))
    price = MoneyField(_("协议价 / negotiated price"))
    booked_for = models.DateField(_("预约日期 / booked for"))
    status = models.CharField(
        max_length=12, choices=RepairServiceStatus.choices, default=RepairServiceStatus.BOOKED
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The booking form's key: a repeated POST (double click, refresh) returns the same booking.
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True)

    objects = RepairServiceQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.customer_id} {self.shop} {self.price}"
