"""Satisfaction surveys after key moments (CSAT 1–5 and NPS 0–10) and referrals (转介绍)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from carecircle.core.access import RestrictedQuerySet, customer_reach

from ..choices import ContactType, ReferralStatus, SurveyMoment, SurveyStatus


class SurveyQuerySet(RestrictedQuerySet):
    reach = customer_reach("customer")


class Survey(models.Model):
    """One invitation to one customer after one moment; answered once, before it expires."""

    customer = models.ForeignKey(
        "parties.Customer", on_delete=models.CASCADE, related_name="surveys"
    )
    moment = models.CharField(_("关键时刻 / moment"), max_length=20, choices=SurveyMoment.choices)
    touchpoint = models.CharField(
        _("接触点 / touchpoint"), max_length=8, choices=ContactType.choices
    )
    status = models.CharField(
        _("状态 / status"), max_length=10, choices=SurveyStatus.choices, default=SurveyStatus.SENT
    )
    # What is being rated, for results per touchpoint, staff, partner and branch.
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    partner = models.ForeignKey(
        "parties.Partner", null=True, blank=True, on_delete=models.SET_NULL, related_name="surveys"
    )
    branch = models.CharField(_("机构 / branch"), max_length=32, blank=True)
    claim = models.ForeignKey(
        "claims.Claim", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    policy = models.ForeignKey(
        "policies.Policy", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    complaint = models.ForeignKey(
        "touchpoints.Complaint", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.ForeignKey(
        "notify.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    dedupe_key = models.CharField(max_length=120, unique=True)
    sent_at = models.DateTimeField(_("发送时间 / sent"), db_index=True)
    expires_at = models.DateTimeField(_("截止时间 / open until"))
    answered_at = models.DateTimeField(_("回答时间 / answered"), null=True, blank=True)
    csat = models.PositiveSmallIntegerField(
        _("满意度(1-5) / CSAT (1-5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    nps = models.PositiveSmallIntegerField(
        _("推荐意愿(0-10) / NPS (0-10)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(10)],
    )
    comment = models.CharField(_("意见 / comment"), max_length=500, blank=True)

    objects = SurveyQuerySet.as_manager()

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [models.Index(fields=["partner", "sent_at"], name="tp_survey_partner")]

    def __str__(self) -> str:
        return f"{self.get_moment_display()} {self.customer_id}"


class ReferralQuerySet(RestrictedQuerySet):
    reach = customer_reach("referrer")


class Referral(models.Model):
    """Word of mouth: who referred whom (转介绍), and what came of it."""

    referrer = models.ForeignKey(
        "parties.Customer", on_delete=models.CASCADE, related_name="referrals_made"
    )
    referred = models.ForeignKey(
        "parties.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referred_by",
        help_text=_("成为客户后关联 / linked once they are a customer"),
    )
    referred_name = models.CharField(_("被推荐人 / referred person"), max_length=64)
    referred_phone_masked = models.CharField(_("被推荐人手机 / mobile"), max_length=16, blank=True)
    partner = models.ForeignKey(
        "parties.Partner",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referrals",
        help_text=_("经由合作伙伴推荐 / referred through a partner"),
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        _("结果 / outcome"),
        max_length=10,
        choices=ReferralStatus.choices,
        default=ReferralStatus.RECORDED,
    )
    policy = models.ForeignKey(
        "policies.Policy",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("成交保单 / policy won"),
    )
    recorded_at = models.DateTimeField(_("登记时间 / recorded"))
    outcome_at = models.DateTimeField(_("结果时间 / outcome at"), null=True, blank=True)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["-recorded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.referrer_id} → {self.referred_name}"
