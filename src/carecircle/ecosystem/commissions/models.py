"""Commission schedules (手续费方案) per partner or sales agent and line, dated, with their
adjustment rules; monthly statements (手续费结算单) and their lines, one per policy written
and one per cancellation. Imported by ``ecosystem.models`` (app label ``ecosystem``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from carecircle.core.access import STAFF, Action, Reach, RestrictedQuerySet
from carecircle.core.models import TimeStampedModel
from carecircle.core.money import ZERO, MoneyField
from carecircle.core.roles import Perm
from carecircle.policies.choices import PolicyKind

from .choices import Basis, LineKind, LossBand, Segment, StatementStatus


def _rate(label):
    return models.DecimalField(label, max_digits=6, decimal_places=4)


def _one_payee(prefix: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(partner__isnull=False, agent__isnull=True)
        | Q(partner__isnull=True, agent__isnull=False),
        name=f"{prefix}_one_payee",
    )


class ScheduleQuerySet(RestrictedQuerySet):
    # As agreements: insurer staff (their unit's subtree); a partner's users their own.
    reach = {Action.VIEW: Reach(partner="partner", unit="unit", whole_book=(STAFF,))}

    def in_force_on(self, day):
        return self.filter(active=True, starts_on__lte=day).filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=day)
        )


class CommissionSchedule(TimeStampedModel):
    """The commission one partner or one sales agent earns on one line for a period: a base
    rate and the adjustment rules that differentiate it (segment, loss band). Never edited:
    a change ends it and starts another (``services.end_schedule``)."""

    partner = models.ForeignKey(
        "parties.Partner",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="commission_schedules",
        verbose_name=_("合作伙伴 / partner"),
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="commission_schedules",
        verbose_name=_("销售代理人 / sales agent"),
    )
    line = models.CharField(_("险种 / line"), max_length=12, choices=PolicyKind.choices)
    product = models.CharField(
        _("备案产品 / filed product"),
        max_length=32,
        blank=True,
        help_text=_("空: 该险种的标准产品 / empty: the line's standard product"),
    )
    base_rate = _rate(_("基准费率 / base rate"))
    starts_on = models.DateField(_("起始日 / starts on"))
    ends_on = models.DateField(_("终止日(含) / ends on (inclusive)"), null=True, blank=True)
    active = models.BooleanField(_("有效 / active"), default=True)
    unit = models.ForeignKey(
        "core.OrgUnit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("签约机构 / contracting unit"),
    )
    notes = models.CharField(_("备注 / notes"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScheduleQuerySet.as_manager()

    class Meta:
        ordering = ["partner_id", "agent_id", "line", "-starts_on"]
        constraints = [
            _one_payee("commission_schedule"),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="commission_schedule_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(base_rate__gte=0), name="commission_schedule_rate_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner or self.agent} {self.line} {self.base_rate} {self.starts_on}"


class CommissionAdjustment(models.Model):
    """A rule of a schedule: when the policy is of ``segment`` and ``basis``'s loss ratio is
    in ``band`` (blank: any), the rate moves by ``delta``, for the reason given in words."""

    schedule = models.ForeignKey(
        CommissionSchedule, on_delete=models.CASCADE, related_name="adjustments"
    )
    segment = models.CharField(
        _("客户类型 / segment"), max_length=12, choices=Segment.choices, blank=True
    )
    basis = models.CharField(
        _("赔付率口径 / loss ratio of"), max_length=12, choices=Basis.choices, blank=True
    )
    band = models.CharField(
        _("赔付率区间 / loss band"), max_length=8, choices=LossBand.choices, blank=True
    )
    delta = models.DecimalField(_("费率调整 / rate change"), max_digits=6, decimal_places=4)
    reason = models.CharField(_("理由 / reason"), max_length=128)

    class Meta:
        ordering = ["schedule_id", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(band="") | ~Q(basis=""), name="commission_adjustment_band_has_basis"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reason} {self.delta:+}"


class StatementQuerySet(RestrictedQuerySet):
    # Those who manage partners (their unit's subtree); a partner's users their own partner's.
    reach = {Action.VIEW: Reach(partner="partner", unit="unit", whole_book=(Perm.MANAGE_PARTNERS,))}


class CommissionStatement(TimeStampedModel):
    """One payee's commissions for one month (手续费结算单): draft → approved → paid."""

    statement_no = models.CharField(_("结算单号 / statement no."), max_length=40, unique=True)
    partner = models.ForeignKey(
        "parties.Partner",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="commission_statements",
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="commission_statements",
    )
    month = models.DateField(_("月份 / month"), help_text=_("该月1日 / first day"))
    unit = models.ForeignKey(
        "core.OrgUnit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("结算机构 / settling unit"),
    )
    status = models.CharField(
        _("状态 / status"),
        max_length=12,
        choices=StatementStatus.choices,
        default=StatementStatus.DRAFT,
    )
    premium = MoneyField(_("计费保费 / premium"), default=ZERO)
    total = MoneyField(_("手续费合计 / total"), default=ZERO)
    lines_count = models.PositiveIntegerField(_("笔数 / lines"), default=0)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    paid_at = models.DateTimeField(null=True, blank=True)
    payment_ref = models.CharField(_("付款凭证号 / payment reference"), max_length=64, blank=True)

    objects = StatementQuerySet.as_manager()

    class Meta:
        ordering = ["-month", "statement_no"]
        constraints = [
            _one_payee("commission_statement"),
            models.UniqueConstraint(
                fields=["partner", "month"],
                condition=Q(partner__isnull=False),
                name="commission_statement_once_per_partner",
            ),
            models.UniqueConstraint(
                fields=["agent", "month"],
                condition=Q(agent__isnull=False),
                name="commission_statement_once_per_agent",
            ),
        ]
        indexes = [models.Index(fields=["month", "status"], name="eco_cs_month_status")]

    def __str__(self) -> str:
        return self.statement_no

    @property
    def payee(self):
        return self.partner or self.agent

    @property
    def payee_name(self) -> str:
        if self.partner_id:
            return self.partner.name  # type: ignore[union-attr]
        return getattr(self.agent, "display_name", "") or str(self.agent)


class LineQuerySet(RestrictedQuerySet):
    reach = {
        Action.VIEW: Reach(
            partner="statement__partner",
            unit="statement__unit",
            whole_book=(Perm.MANAGE_PARTNERS,),
        )
    }


class CommissionLine(models.Model):
    """A policy's commission (+) or its clawback on cancellation (−), with the rate used and
    why. A policy earns once and is clawed back once (unique), so a rerun adds nothing."""

    statement = models.ForeignKey(
        CommissionStatement, on_delete=models.PROTECT, related_name="lines"
    )
    policy = models.ForeignKey(
        "policies.Policy", on_delete=models.PROTECT, related_name="commission_lines"
    )
    kind = models.CharField(_("类型 / kind"), max_length=12, choices=LineKind.choices)
    line = models.CharField(_("险种 / line"), max_length=12, choices=PolicyKind.choices)
    segment = models.CharField(_("客户类型 / segment"), max_length=12, choices=Segment.choices)
    premium = MoneyField(
        _("计费保费 / premium"), help_text=_("追回: 退还的保费 / clawback: the premium refunded")
    )
    rate = models.DecimalField(_("费率 / rate"), max_digits=6, decimal_places=4)
    amount = MoneyField(_("金额 / amount"))
    reason = models.CharField(_("费率依据 / why this rate"), max_length=500)
    schedule = models.ForeignKey(
        CommissionSchedule, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    agreement = models.ForeignKey(
        "ecosystem.Agreement", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    written_on = models.DateField(_("日期 / on"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = LineQuerySet.as_manager()

    class Meta:
        ordering = ["statement_id", "written_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "kind"], name="commission_line_once"),
            models.CheckConstraint(
                condition=(Q(kind=LineKind.COMMISSION) & Q(amount__gte=0))
                | (Q(kind=LineKind.CLAWBACK) & Q(amount__lte=0)),
                name="commission_line_sign",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.statement_id} {self.policy_id} {self.kind} {self.amount}"


__all__ = [
    "CommissionAdjustment",
    "CommissionLine",
    "CommissionSchedule",
    "CommissionStatement",
]
