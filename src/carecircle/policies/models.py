from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from carecircle.core.access import RestrictedQuerySet, customer_reach
from carecircle.core.models import TimeStampedModel
from carecircle.core.money import MoneyField

from .choices import Channel, Currency, PolicyKind
from .coverage_terms import CoverageTerms


class PolicyQuerySet(RestrictedQuerySet):
    reach = customer_reach("customer", partner="partner", unit="unit")

    def in_force_on(self, day):
        return self.filter(effective_date__lte=day, expiry_date__gt=day, cancelled_on__isnull=True)


class Policy(TimeStampedModel):
    """One policy year on one vehicle: compulsory (交强险) or commercial (商业险).

    ``expiry_date`` is exclusive (cover ends at 00:00 that day), so a renewal's effective date
    equals its predecessor's expiry date. ``renews`` links the renewal chain.
    """

    policy_no = models.CharField(_("保单号 / policy no."), max_length=40, unique=True)
    kind = models.CharField(_("险种 / kind"), max_length=12, choices=PolicyKind.choices)
    customer = models.ForeignKey(
        "parties.Customer", on_delete=models.PROTECT, related_name="policies"
    )
    vehicle = models.ForeignKey(
        "parties.Vehicle", on_delete=models.PROTECT, related_name="policies"
    )
    effective_date = models.DateField(_("起保日期 / effective"))
    expiry_date = models.DateField(_("终保日期 / expiry"))
    premium = MoneyField(_("保费 / premium"))
    vehicle_tax = MoneyField(
        _("代收车船税 / vehicle tax collected"),
        null=True,
        blank=True,
        help_text=_("随交强险代收，与保费分列 / collected with 交强险, shown apart from premium"),
    )
    currency = models.CharField(
        _("币种 / currency"), max_length=3, choices=Currency.choices, default=Currency.CNY
    )
    ncd_level = models.SmallIntegerField(
        _("无赔款优待等级 / NCD level"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-5), MaxValueValidator(5)],
    )
    ncd_coefficient = models.DecimalField(
        _("NCD系数 / NCD coefficient"), max_digits=5, decimal_places=3, null=True, blank=True
    )
    pricing_coefficient = models.DecimalField(
        _("自主定价系数 / autonomous pricing coefficient"),
        max_digits=5,
        decimal_places=3,
        null=True,
        blank=True,
    )
    traffic_violation_coefficient = models.DecimalField(
        _("交通违法系数 / traffic-violation coefficient"),
        max_digits=5,
        decimal_places=3,
        default=Decimal("1.000"),
    )
    channel = models.CharField(_("渠道 / channel"), max_length=16, choices=Channel.choices)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sold_policies",
        verbose_name=_("出单人员 / selling agent or seat"),
    )
    unit = models.ForeignKey(
        "core.OrgUnit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="policies",
        verbose_name=_("出单机构 / issuing unit"),
    )
    partner = models.ForeignKey(
        "parties.Partner",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="policies",
        verbose_name=_("渠道伙伴 / partner who brought it"),
    )
    renews = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="renewed_by",
        verbose_name=_("续保自 / renews policy"),
    )
    cancelled_on = models.DateField(_("退保日期 / cancelled on"), null=True, blank=True)
    source = models.CharField(max_length=32, blank=True)

    objects = PolicyQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "policies"
        indexes = [
            models.Index(fields=["customer", "effective_date"]),
            models.Index(fields=["expiry_date"]),
            models.Index(fields=["vehicle", "kind", "effective_date"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(expiry_date__gt=F("effective_date")),
                name="policy_expiry_after_effective",
            ),
            models.CheckConstraint(condition=Q(premium__gte=0), name="policy_premium_not_negative"),
        ]

    def __str__(self) -> str:
        return self.policy_no


class Coverage(CoverageTerms):
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="coverages")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["policy", "code"], name="coverage_once_per_policy"),
            models.CheckConstraint(
                condition=Q(premium__gte=0), name="coverage_premium_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy.policy_no} {self.get_code_display()}"


# Proposals (投保单) and payments, the parties to a policy and the endorsements of ownership
# transfers (过户) live in their own modules; imported here so Django sees them.
from .models_endorsements import Endorsement, OwnershipTransfer  # noqa: E402, F401
from .models_parties import CompanyContact, PolicyParty  # noqa: E402, F401
from .models_proposals import (  # noqa: E402, F401
    PaymentOrder,
    PaymentStatus,
    Proposal,
    ProposalCoverage,
    ProposalPolicy,
    ProposalStatus,
)
