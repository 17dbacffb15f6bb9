"""Ecosystem: partner agreements (what each side gives and gets), monthly partner figures
(precomputed for the health view and the cockpit), cockpit aggregates and weather alerts."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from carecircle.core.access import STAFF, Action, Reach, RestrictedQuerySet
from carecircle.core.errors import DomainError
from carecircle.core.models import TimeStampedModel
from carecircle.core.money import ZERO, MoneyField

from .choices import AgreementStatus
from .commissions.terms import check_agreement_terms


class AgreementQuerySet(RestrictedQuerySet):
    # Insurer staff see every agreement; a partner's or merchant's users their own.
    reach = {
        Action.VIEW: Reach(partner="partner", merchant="partner", unit="unit", whole_book=(STAFF,))
    }

    def in_force_on(self, day):
        return self.filter(status=AgreementStatus.ACTIVE, starts_on__lte=day, ends_on__gte=day)


def _ratio(label, **kwargs):
    return models.DecimalField(
        label, max_digits=6, decimal_places=3, null=True, blank=True, **kwargs
    )


class Agreement(TimeStampedModel):
    """A partner's terms for a period (诚信合作): what it gives, what it gets, target ratios.

    Monthly targets; ``None`` means the agreement sets none for that figure.
    """

    agreement_no = models.CharField(_("协议编号 / agreement no."), max_length=32, unique=True)
    unit = models.ForeignKey(
        "core.OrgUnit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agreements",
        verbose_name=_("签约机构 / contracting unit"),
    )
    partner = models.ForeignKey(
        "parties.Partner", on_delete=models.PROTECT, related_name="agreements"
    )
    status = models.CharField(
        _("状态 / status"),
        max_length=8,
        choices=AgreementStatus.choices,
        default=AgreementStatus.ACTIVE,
    )
    starts_on = models.DateField(_("起始日 / starts on"))
    ends_on = models.DateField(_("终止日(含) / ends on (inclusive)"))
    # What the partner gives (合作伙伴提供)
    premium_target_monthly = MoneyField(
        _("月度保费目标 / premium brought per month"), null=True, blank=True
    )
    referrals_target_monthly = models.PositiveIntegerField(
        _("月度推荐客户目标 / customers referred per month"), null=True, blank=True
    )
    repair_capacity_monthly = models.PositiveIntegerField(
        _("月度维修产能(台次) / repair capacity per month (vehicles)"), null=True, blank=True
    )
    service_capacity_monthly = models.PositiveIntegerField(
        _("月度服务产能(次) / service capacity per month"), null=True, blank=True
    )
    labour_discount = _ratio(_("工时折扣 / labour rate discount"))
    parts_discount = _ratio(_("配件折扣 / parts price factor"))
    # What the partner gets (合作伙伴获得)
    # Commissions (ADR 0017): the base rates when the partner has no commission schedule for
    # the line; a schedule (``CommissionSchedule``) adds the differentiated rules.
    commission_rate = _ratio(_("商业险手续费率(基准) / commercial commission base rate"))
    compulsory_commission_rate = _ratio(
        _("交强险手续费率(≤4%) / 交强险 commission rate (at most 4 %)")
    )
    repair_value_target_monthly = MoneyField(
        _("月度送修产值 / repair work sent per month"), null=True, blank=True
    )
    referral_fee = MoneyField(_("推荐费(每单) / referral fee per policy"), null=True, blank=True)
    service_fee = MoneyField(_("服务费(每次) / service payment per use"), null=True, blank=True)
    # Target ratios and service levels (约定比例)
    repair_to_premium_min = _ratio(_("送修/保费比 下限 / repair-to-premium ratio, min"))
    repair_to_premium_max = _ratio(_("送修/保费比 上限 / repair-to-premium ratio, max"))
    renewal_rate_target = _ratio(_("续保率目标 / renewal rate target"))
    satisfaction_target = _ratio(_("满意度目标(1-5) / satisfaction target (1-5)"))
    complaints_per_10k_max = _ratio(_("万单投诉上限 / complaints per 10,000 policies, max"))
    repair_cost_index_max = _ratio(_("案均维修成本指数上限 / repair cost index vs network, max"))
    settlement_days_max = _ratio(_("结算时效(天) / settlement within days"))
    notes = models.TextField(_("备注 / notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = AgreementQuerySet.as_manager()

    class Meta:
        ordering = ["partner_id", "-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="agreement_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(repair_to_premium_min__isnull=True)
                | Q(repair_to_premium_max__isnull=True)
                | Q(repair_to_premium_max__gte=F("repair_to_premium_min")),
                name="agreement_ratio_band_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agreement_no} {self.partner}"

    def clean(self) -> None:
        """The admin's form refuses what ``services.create_agreement`` refuses: commission
        above the caps, commission or referral fees for an unlicensed partner."""
        try:
            check_agreement_terms(self.partner if self.partner_id else None, vars(self))
        except DomainError as error:
            raise ValidationError({error.field or "__all__": error.message}) from None


class PartnerMonth(models.Model):
    """One partner's figures for one month, computed from policies, claims, complaints and
    surveys by ``scorecards.compute_month`` (the health view and the cockpit read these)."""

    partner = models.ForeignKey("parties.Partner", on_delete=models.CASCADE, related_name="months")
    month = models.DateField(_("月份 / month"), help_text=_("该月1日 / first day"))
    partner_kind = models.CharField(max_length=24)
    policies_brought = models.PositiveIntegerField(default=0)
    premium_brought = MoneyField(default=ZERO)
    customers_referred = models.PositiveIntegerField(default=0)
    repair_claims = models.PositiveIntegerField(default=0)
    repair_value = MoneyField(default=ZERO)
    repair_paid = MoneyField(default=ZERO)
    paid_claims = models.PositiveIntegerField(default=0)
    repair_paid_settled = MoneyField(default=ZERO)
    settlement_days_sum = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal(0))
    renewals_due = models.PositiveIntegerField(default=0)
    renewals_renewed = models.PositiveIntegerField(default=0)
    satisfaction_sum = models.PositiveIntegerField(default=0)
    satisfaction_n = models.PositiveIntegerField(default=0)
    complaints = models.PositiveIntegerField(default=0)
    policies_in_force = models.PositiveIntegerField(default=0)
    services_delivered = models.PositiveIntegerField(default=0)
    service_value = MoneyField(default=ZERO)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partner", "month"], name="partner_month_once")
        ]
        indexes = [models.Index(fields=["month", "partner_kind"], name="eco_pm_month_kind")]

    def __str__(self) -> str:
        return f"{self.partner_id} {self.month:%Y-%m}"


class BookMonth(models.Model):
    """One unit's figures (机构; ``unit`` None: the rows with no unit) for one month and one
    slice (``dimension``/``key``), read by the cockpit, which sums the units a user sees.
    Slices: tier, touchpoint, total. Written by ``cockpit.compute_book_month``."""

    month = models.DateField()
    unit = models.ForeignKey(
        "core.OrgUnit", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    dimension = models.CharField(max_length=16)
    key = models.CharField(max_length=32, blank=True)
    customers = models.PositiveIntegerField(default=0)
    premium = MoneyField(default=ZERO)
    policies = models.PositiveIntegerField(default=0)
    renewals_due = models.PositiveIntegerField(default=0)
    renewals_renewed = models.PositiveIntegerField(default=0)
    claims_closed = models.PositiveIntegerField(default=0)
    claim_days_sum = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal(0))
    interactions = models.PositiveIntegerField(default=0)
    satisfaction_sum = models.PositiveIntegerField(default=0)
    satisfaction_n = models.PositiveIntegerField(default=0)
    complaints = models.PositiveIntegerField(default=0)
    # 服务活跃度 over the policy year to the month's end (total row): customers holding a
    # service voucher valid in those 365 days, and those of them who used at least one.
    service_entitled = models.PositiveIntegerField(default=0)
    service_active = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "unit", "dimension", "key"],
                condition=Q(unit__isnull=False),
                name="book_month_once_per_unit",
            ),
            models.UniqueConstraint(
                fields=["month", "dimension", "key"],
                condition=Q(unit__isnull=True),
                name="book_month_once_without_unit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.unit_id or '-'} {self.dimension}={self.key}"


class WeatherAlert(models.Model):
    """A weather warning for a city and day, from the file the branch uploads."""

    city = models.CharField(_("城市 / city"), max_length=32)
    day = models.DateField(_("日期 / day"))
    level = models.CharField(_("预警级别 / level"), max_length=8)
    warning = models.CharField(_("预警(中文) / warning (Chinese)"), max_length=128)
    warning_en = models.CharField(_("预警(英文) / warning (English)"), max_length=128, blank=True)
    uploaded_at = models.DateTimeField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["city", "day", "warning"], name="weather_alert_once")
        ]

    def __str__(self) -> str:
        return f"{self.city} {self.day} {self.warning}"


class ReminderRun(models.Model):
    """One run of the reminder rules: how many messages each rule asked for and their fate."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    as_of = models.DateField()
    counts = models.JSONField(default=dict)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"reminders {self.as_of}"


# Commission schedules, statements and their lines (issue #16, ADR 0017).
from .commissions.models import (  # noqa: E402
    CommissionAdjustment,
    CommissionLine,
    CommissionSchedule,
    CommissionStatement,
)

__all__ = [
    "Agreement",
    "BookMonth",
    "CommissionAdjustment",
    "CommissionLine",
    "CommissionSchedule",
    "CommissionStatement",
    "PartnerMonth",
    "ReminderRun",
    "WeatherAlert",
]
