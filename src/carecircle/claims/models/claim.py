"""The claim record; the claims workflow (issue #5) grows on this same model."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from carecircle.core.access import Action, Reach, RestrictedQuerySet, customer_reach
from carecircle.core.models import TimeStampedModel
from carecircle.core.money import ZERO, MoneyField
from carecircle.core.roles import Perm
from carecircle.policies.choices import CoverageCode, Currency

from ..choices import AcceptanceChannel, ClaimStatus, Clock, ClockState, ReportChannel, SurveyMode

OPEN_STATUSES = frozenset(
    s
    for s in ClaimStatus
    if s not in {ClaimStatus.CLOSED, ClaimStatus.WITHDRAWN, ClaimStatus.REJECTED}
)
# Before the decision (approval or rejection): the 30-day clock runs.
UNDECIDED_STATUSES = frozenset(
    {
        ClaimStatus.REPORTED,
        ClaimStatus.DISPATCHED,
        ClaimStatus.SURVEYED,
        ClaimStatus.REGISTERED,
        ClaimStatus.ASSESSED,
        ClaimStatus.INJURY_HANDLING,
        ClaimStatus.LOSS_CHECKED,
        ClaimStatus.ADJUSTED,
    }
)


class ClaimQuerySet(RestrictedQuerySet):
    reach = {
        # A partner sees the claims on the policies it brought and those sent to its shop.
        **customer_reach(
            "policy__customer", partner=("policy__partner", "repair_shop"), unit="unit"
        ),
        # Claims staff act on the claims of their unit's subtree (the workflow services check
        # each step); a repair shop acts on the claims referred to it (送修, its portal), row
        # by row, never on a whole customer.
        Action.CHANGE: Reach(partner="repair_shop", unit="unit", whole_book=(Perm.HANDLE_CLAIMS,)),
    }


class Claim(TimeStampedModel):
    claim_no = models.CharField(_("赔案号 / claim no."), max_length=40, unique=True)
    policy = models.ForeignKey("policies.Policy", on_delete=models.PROTECT, related_name="claims")
    vehicle = models.ForeignKey("parties.Vehicle", on_delete=models.PROTECT, related_name="claims")
    coverage = models.CharField(_("险别 / coverage"), max_length=24, choices=CoverageCode.choices)
    accident_at = models.DateTimeField(_("出险时间 / accident at"))
    reported_at = models.DateTimeField(_("报案时间 / reported at"))
    amount_reserved = MoneyField(_("估损金额 / reserve"), default=ZERO)
    amount_paid = MoneyField(_("已付金额 / paid"), default=ZERO)
    # Σ subrogation recovered + salvage proceeds (services.recoveries keeps it; issue #16).
    amount_recovered = MoneyField(_("追偿残值回收 / recovered"), default=ZERO)
    currency = models.CharField(max_length=3, choices=Currency.choices, default=Currency.CNY)
    status = models.CharField(
        _("状态 / status"), max_length=16, choices=ClaimStatus.choices, default=ClaimStatus.REPORTED
    )
    injury = models.BooleanField(_("涉及人伤 / injury"), default=False)
    paid_at = models.DateTimeField(_("支付时间 / paid at"), null=True, blank=True)
    # The settlement left for the bank (its batch file): the payment clock stops here (#16).
    payment_sent_at = models.DateTimeField(_("赔款汇出 / payment sent"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间 / closed at"), null=True, blank=True)
    description = models.TextField(_("经过 / description"), blank=True)
    # 送修: the repair shop or 4S shop the claim was referred to; scorecards set the repair
    # value each shop receives against the premium it brings.
    unit = models.ForeignKey(
        "core.OrgUnit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="claims",
        verbose_name=_("理赔机构 / handling unit"),
    )
    repair_shop = models.ForeignKey(
        "parties.Partner",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="repaired_claims",
        verbose_name=_("修理厂 / repair shop"),
    )
    source = models.CharField(max_length=32, blank=True)
    # Who drove: a customer (their 360 lists the claim), or only a name for someone who is
    # not one (a friend, a hired driver). Set by claims.services.driver.record_driver.
    driver = models.ForeignKey(
        "parties.Customer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="claims_driven",
        verbose_name=_("驾驶人 / driver"),
        db_index=False,  # a partial index below: most claims name no driver
    )
    driver_name = models.CharField(
        _("驾驶人姓名(非客户) / driver's name (not a customer)"), max_length=64, blank=True
    )

    # ---- workflow (issue #5) -------------------------------------------------------------
    report_channel = models.CharField(
        _("报案渠道 / reported via"), max_length=16, choices=ReportChannel.choices, blank=True
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="handled_claims",
        verbose_name=_("理赔员 / handler"),
    )
    survey_mode = models.CharField(
        _("查勘方式 / survey"), max_length=12, choices=SurveyMode.choices, blank=True
    )
    location = models.CharField(_("出险地点 / place"), max_length=128, blank=True)
    single_vehicle = models.BooleanField(_("单车事故 / single-vehicle accident"), default=False)
    liability_clear = models.BooleanField(_("责任明确 / liability clear"), default=False)
    liability_share = models.DecimalField(
        _("责任比例 / liability share"), max_digits=4, decimal_places=3, null=True, blank=True
    )
    deaths = models.PositiveSmallIntegerField(
        _("死亡人数 / deaths"),
        default=0,
        help_text=_(
            "交强险浮动费率：有死亡的有责事故 +30% / an at-fault accident with a death "
            "raises the compulsory rate by 30%"
        ),
    )
    compulsory_policy = models.ForeignKey(
        "policies.Policy",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="compulsory_claims",
        verbose_name=_("交强险保单 / compulsory policy"),
        help_text=_("同一事故先由交强险赔付 / the same accident is paid by 交强险 first"),
    )
    late_report = models.BooleanField(
        _("超时效报案 / late report"),
        default=False,
        help_text=_(
            "出险两年后报案：登记并交人工复核，不拒收 / reported over two years after "
            "the accident: registered and flagged for a person, never refused"
        ),
    )
    customer_estimate = MoneyField(_("客户估损 / customer's estimate"), null=True, blank=True)
    assessment = models.JSONField(_("定损明细 / assessment"), default=dict, blank=True)
    amount_assessed = MoneyField(_("定损金额 / assessed loss"), null=True, blank=True)
    adjustment = models.JSONField(_("理算明细 / adjustment"), default=dict, blank=True)
    amount_approved = MoneyField(_("核定赔款 / agreed amount"), null=True, blank=True)
    fast_track = models.BooleanField(_("快赔 / fast track"), default=False)
    escalated_to = models.CharField(_("已上报至 / escalated to"), max_length=32, blank=True)
    approved_at = models.DateTimeField(_("核赔时间 / approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="approved_claims",
        verbose_name=_("核赔人 / approved by"),
    )
    offer_accepted_at = models.DateTimeField(
        _("客户接受方案 / offer accepted"), null=True, blank=True
    )
    offer_accepted_via = models.CharField(
        _("接受方式 / accepted how"), max_length=16, choices=AcceptanceChannel.choices, blank=True
    )
    rejected_at = models.DateTimeField(_("拒赔时间 / rejected at"), null=True, blank=True)
    rejection_reason = models.TextField(_("拒赔理由 / rejection reasons"), blank=True)
    rejection_notice_at = models.DateTimeField(
        _("拒赔通知时间 / rejection notice sent"), null=True, blank=True
    )
    documents_requested_at = models.DateTimeField(
        _("一次性告知时间 / documents requested"), null=True, blank=True
    )
    documents_requested = models.TextField(_("需补材料 / documents requested"), blank=True)
    documents_complete_at = models.DateTimeField(
        _("材料齐全时间 / documents complete"), null=True, blank=True
    )
    waiting_since = models.DateTimeField(
        _("等待客户起 / waiting on the customer since"), null=True, blank=True
    )
    paused_days = models.PositiveIntegerField(_("暂停天数 / calendar days paused"), default=0)
    promised_on = models.DateField(_("承诺日期 / promised by"), null=True, blank=True)
    promise_state = models.CharField(
        _("承诺状态 / promise"), max_length=12, choices=ClockState.choices, blank=True
    )
    due_on = models.DateField(_("法定时限 / legal deadline"), null=True, blank=True)
    due_clock = models.CharField(
        _("时限类型 / legal clock"), max_length=20, choices=Clock.choices, blank=True
    )
    clock_state = models.CharField(
        _("时限状态 / legal clock state"), max_length=12, choices=ClockState.choices, blank=True
    )
    reopen_count = models.PositiveSmallIntegerField(_("重开次数 / times reopened"), default=0)
    reopened_at = models.DateTimeField(_("最近重开 / last reopened"), null=True, blank=True)
    followed_up_at = models.DateTimeField(_("回访时间 / followed up"), null=True, blank=True)
    satisfaction = models.PositiveSmallIntegerField(
        _("满意度(1-5) / satisfaction (1-5)"), null=True, blank=True
    )
    customer_comment = models.CharField(
        _("客户评价 / customer comment"), max_length=255, blank=True
    )
    # Screening (审核: review flags, fast track) runs in a task after the report; empty until
    # it has run ("being checked"), and for rows that never went through the report service.
    screened_at = models.DateTimeField(_("审核完成 / screened at"), null=True, blank=True)
    # The repair shop's side of the referral (partner portal).
    shop_accepted_at = models.DateTimeField(_("修理厂接车 / shop accepted"), null=True, blank=True)
    shop_estimate = models.JSONField(
        _("修理厂报价明细 / shop's estimate"), default=dict, blank=True
    )
    shop_estimate_amount = MoneyField(_("修理厂报价 / shop's estimate"), null=True, blank=True)
    repair_done_at = models.DateTimeField(_("维修完工 / repair done"), null=True, blank=True)

    objects = ClaimQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["policy", "accident_at"]),
            models.Index(fields=["status"]),
            models.Index(fields=["handler", "status"], name="claim_handler_idx"),
            # The network's average repair cost per month (partner scorecards, the nightly
            # aggregate): referred claims paid in a month. Without it, a 1M book's scorecard
            # scanned every claim (144 of its 232 ms).
            models.Index(
                fields=["paid_at"],
                name="claim_referred_paid_idx",
                condition=Q(repair_shop__isnull=False),
            ),
            models.Index(
                fields=["driver"], name="claim_driver_idx", condition=Q(driver__isnull=False)
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(reported_at__gte=F("accident_at")), name="claim_reported_after_accident"
            ),
            models.CheckConstraint(
                condition=Q(amount_paid__gte=0) & Q(amount_reserved__gte=0),
                name="claim_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(driver__isnull=True) | Q(driver_name=""),
                name="claim_driver_customer_or_name",
            ),
            models.CheckConstraint(
                condition=Q(liability_share__isnull=True)
                | (Q(liability_share__gte=0) & Q(liability_share__lte=1)),
                name="claim_liability_share_0_to_1",
            ),
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True)
                | (Q(satisfaction__gte=1) & Q(satisfaction__lte=5)),
                name="claim_satisfaction_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return self.claim_no

    @property
    def being_screened(self) -> bool:
        """Reported through the service, its screening task (flags, fast track) not run yet."""
        return (
            self.status == ClaimStatus.REPORTED
            and self.screened_at is None
            and bool(self.report_channel)
        )
