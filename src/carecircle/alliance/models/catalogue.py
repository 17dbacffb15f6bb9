"""The catalogue: services (products), merchants' locations and offers, entitlement packages.

Catalogue rows reach people through ``CatalogueQuerySet``: a merchant user sees its own
merchant's, insurer staff all, customers the active offers of active merchants.
"""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from carecircle.core.access import STAFF, Action, Reach, RestrictedQuerySet
from carecircle.core.models import TimeStampedModel
from carecircle.core.money import ZERO, MoneyField
from carecircle.parties.choices import VehicleUse
from carecircle.policies.choices import Channel
from carecircle.value.public import Tier

from ..choices import RIDER_CHOICES, ServiceKind


class CatalogueQuerySet(RestrictedQuerySet):
    """Catalogue rows: a merchant user sees its own merchant's, insurer staff all, customers
    the active offers of active merchants."""

    reach = {
        Action.VIEW: Reach(
            merchant="merchant",
            whole_book=(STAFF,),
            customers_see=Q(active=True, merchant__active=True),
        )
    }


class ServiceProduct(models.Model):
    """A service the alliance offers (洗车, 保养 …), with the public list price."""

    code = models.CharField(_("编码 / code"), max_length=32, unique=True)
    kind = models.CharField(_("服务类别 / kind"), max_length=24, choices=ServiceKind.choices)
    name = models.CharField(_("名称 / name"), max_length=64)
    description = models.CharField(_("说明 / description"), max_length=255, blank=True)
    public_price = MoneyField(_("门市价 / public price"), default=ZERO)
    rider = models.CharField(
        _("对应附加服务特约 / service rider"),
        max_length=24,
        choices=RIDER_CHOICES,
        blank=True,
        help_text=_(
            "2020示范条款附加服务特约；使用不算出险 / 2020 model-clause rider; using it is never a claim"
        ),
    )
    active = models.BooleanField(_("有效 / active"), default=True)

    class Meta:
        verbose_name = _("服务产品 / service product")
        verbose_name_plural = _("服务产品 / service products")
        ordering = ["kind", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def counts_as_claim(self) -> bool:
        """Services, riders included, never count as a claim (no NCD effect)."""
        return False


class MerchantLocation(models.Model):
    merchant = models.ForeignKey(
        "parties.Partner",
        on_delete=models.CASCADE,
        related_name="alliance_locations",
        limit_choices_to={"kind": "merchant"},
    )
    name = models.CharField(_("门店 / location"), max_length=128)
    city = models.CharField(_("城市 / city"), max_length=32, blank=True)
    address = models.CharField(_("地址 / address"), max_length=255, blank=True)
    opening_hours = models.CharField(
        _("营业时间 / opening hours"), max_length=64, default="09:00-18:00"
    )
    daily_capacity = models.PositiveIntegerField(_("日接待量 / daily capacity"), default=20)
    active = models.BooleanField(_("有效 / active"), default=True)

    objects = CatalogueQuerySet.as_manager()

    class Meta:
        verbose_name = _("商户门店 / merchant location")
        verbose_name_plural = _("商户门店 / merchant locations")
        ordering = ["merchant", "name"]

    def __str__(self) -> str:
        return self.name


class MerchantOffer(models.Model):
    """A merchant's service: the agreed price the insurer pays and the merchant's public price."""

    merchant = models.ForeignKey(
        "parties.Partner",
        on_delete=models.CASCADE,
        related_name="alliance_offers",
        limit_choices_to={"kind": "merchant"},
    )
    product = models.ForeignKey(ServiceProduct, on_delete=models.PROTECT, related_name="offers")
    price_to_insurer = MoneyField(_("结算价 / agreed price to the insurer"))
    public_price = MoneyField(_("门市价 / public price"))
    daily_capacity = models.PositiveIntegerField(_("日接待量 / daily capacity"), default=20)
    active = models.BooleanField(_("有效 / active"), default=True)

    objects = CatalogueQuerySet.as_manager()

    class Meta:
        verbose_name = _("商户服务 / merchant service")
        verbose_name_plural = _("商户服务 / merchant services")
        constraints = [
            models.UniqueConstraint(fields=["merchant", "product"], name="alliance_offer_once"),
            models.CheckConstraint(
                condition=Q(price_to_insurer__gte=0), name="alliance_offer_price_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.merchant} · {self.product}"


class EntitlementPackage(TimeStampedModel):
    """An administrator's rule: who is entitled to which services each policy year.

    A package applies to a commercial policy when every condition set on it holds; blank
    conditions match everything.  Packages add up (黄金 + 钻石 extras for a diamond customer).
    """

    code = models.CharField(_("编码 / code"), max_length=32, unique=True)
    name = models.CharField(_("名称 / name"), max_length=64)
    min_tier = models.CharField(
        _("最低客户等级 / lowest tier"),
        max_length=12,
        choices=Tier.choices,
        blank=True,
        help_text=_("该等级及以上 / this tier and above; blank = any tier"),
    )
    rider = models.CharField(
        _("需附加服务特约 / requires rider"),
        max_length=24,
        choices=RIDER_CHOICES,
        blank=True,
    )
    vehicle_use = models.CharField(
        _("车辆使用性质 / vehicle use"), max_length=16, choices=VehicleUse.choices, blank=True
    )
    new_energy_only = models.BooleanField(_("仅新能源车 / new-energy vehicles only"), default=False)
    channel = models.CharField(
        _("渠道 / channel"), max_length=16, choices=Channel.choices, blank=True
    )
    campaign = models.CharField(
        _("活动 / campaign"),
        max_length=64,
        blank=True,
        help_text=_("活动名称；配合起保日期区间 / campaign name, with the start-date window"),
    )
    policy_starts_from = models.DateField(
        _("起保日期自 / policies starting from"), null=True, blank=True
    )
    policy_starts_until = models.DateField(
        _("起保日期至 / policies starting until"), null=True, blank=True
    )
    active = models.BooleanField(_("有效 / active"), default=True)

    class Meta:
        verbose_name = _("权益包 / entitlement package")
        verbose_name_plural = _("权益包 / entitlement packages")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class EntitlementItem(models.Model):
    package = models.ForeignKey(EntitlementPackage, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(ServiceProduct, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveSmallIntegerField(
        _("每保单年次数 / uses per policy year"), default=1, validators=[MinValueValidator(1)]
    )

    class Meta:
        verbose_name = _("权益项 / entitlement item")
        verbose_name_plural = _("权益项 / entitlement items")
        constraints = [
            models.UniqueConstraint(fields=["package", "product"], name="alliance_item_once")
        ]

    def __str__(self) -> str:
        return f"{self.package}: {self.product} × {self.quantity}"
