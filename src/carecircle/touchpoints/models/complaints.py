"""Complaints (投诉): any channel, category, severity, owner, deadline, escalation, resolution,
the customer's confirmation and the root cause (claim, interaction, partner, merchant)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from carecircle.core.access import RestrictedQuerySet, customer_reach

from ..choices import (
    OPEN_COMPLAINT_STATUSES,
    ComplaintCategory,
    ComplaintChannel,
    ComplaintStatus,
    ContactType,
    Severity,
)


class ComplaintQuerySet(RestrictedQuerySet):
    reach = customer_reach("customer", unit="unit")

    def open(self):
        return self.filter(status__in=OPEN_COMPLAINT_STATUSES)

    def overdue(self, moment):
        return self.open().filter(due_at__lt=moment)


class Complaint(models.Model):
    complaint_no = models.CharField(_("投诉编号 / complaint no."), max_length=24, unique=True)
    customer = models.ForeignKey(
        "parties.Customer", on_delete=models.PROTECT, related_name="complaints"
    )
    channel = models.CharField(
        _("投诉渠道 / channel"), max_length=12, choices=ComplaintChannel.choices
    )
    category = models.CharField(
        _("投诉类别 / category"), max_length=24, choices=ComplaintCategory.choices
    )
    severity = models.CharField(_("严重程度 / severity"), max_length=8, choices=Severity.choices)
    touchpoint = models.CharField(
        _("接触点 / touchpoint"),
        max_length=8,
        choices=ContactType.choices,
        help_text=_("投诉针对的接触类型 / the contact type the complaint is about"),
    )
    summary = models.CharField(_("摘要 / summary"), max_length=255)
    details = models.TextField(_("详情 / details"), blank=True)
    status = models.CharField(
        _("状态 / status"),
        max_length=12,
        choices=ComplaintStatus.choices,
        default=ComplaintStatus.RECEIVED,
    )
    unit = models.ForeignKey(
        "core.OrgUnit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
        verbose_name=_("承办机构 / unit"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_complaints",
        verbose_name=_("承办人 / owner"),
    )
    received_at = models.DateTimeField(_("受理时间 / received"), db_index=True)
    due_at = models.DateTimeField(_("办结时限 / due"))
    escalation_level = models.PositiveSmallIntegerField(_("升级层级 / escalation level"), default=0)
    escalated_at = models.DateTimeField(_("升级时间 / escalated"), null=True, blank=True)
    resolution = models.TextField(_("处理结果 / resolution"), blank=True)
    compensation = models.DecimalField(
        _("补偿金额 / compensation"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    resolved_at = models.DateTimeField(_("答复时间 / resolved"), null=True, blank=True)
    customer_confirmed = models.BooleanField(_("客户确认 / customer confirmed"), null=True)
    closed_at = models.DateTimeField(_("办结时间 / closed"), null=True, blank=True)
    # Root cause: what the complaint is about, fed into that party's scorecard.
    claim = models.ForeignKey(
        "claims.Claim", null=True, blank=True, on_delete=models.SET_NULL, related_name="complaints"
    )
    policy = models.ForeignKey(
        "policies.Policy",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="complaints",
    )
    interaction = models.ForeignKey(
        "touchpoints.Interaction",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="complaints",
        verbose_name=_("相关接触(如电销来电) / interaction (e.g. the call)"),
    )
    partner = models.ForeignKey(
        "parties.Partner",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="complaints",
        verbose_name=_("涉及合作伙伴 / partner involved"),
    )
    merchant = models.ForeignKey(
        "parties.Partner",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merchant_complaints",
        verbose_name=_("涉及商户 / merchant involved"),
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="complaints_about",
        verbose_name=_("涉及员工 / staff involved"),
    )
    root_cause = models.CharField(_("根因 / root cause"), max_length=255, blank=True)
    source = models.CharField(max_length=32, blank=True)

    objects = ComplaintQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["status", "due_at"], name="tp_complaint_open_due"),
            models.Index(fields=["partner", "received_at"], name="tp_complaint_partner"),
        ]

    def __str__(self) -> str:
        return self.complaint_no

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_COMPLAINT_STATUSES


class ComplaintEvent(models.Model):
    """Every step of a complaint: who, when, from which status to which, and why."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=16)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.action}"
