"""A customer's privacy request (PIPL Arts 24, 44–47) on its 15-working-day clock, the data
export a copy request produces, and the record of each retention run."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from carecircle.core.access import Action, Reach, RestrictedQuerySet, customer_reach
from carecircle.core.roles import Perm

from .choices import Decision, ExportStatus, RequestKind, RequestStatus, ReviewSubject


class PrivacyRequestQuerySet(RestrictedQuerySet):
    # Seen with the customer (the customer, staff of the customer's unit subtree); answered by
    # those who handle complaints (the service manager) in their subtree.
    reach = {
        **customer_reach("customer"),
        Action.CHANGE: Reach(
            customer="customer",
            whole_book=(Perm.HANDLE_COMPLAINTS,),
            needs=Perm.HANDLE_COMPLAINTS,
        ),
    }

    def open(self):
        return self.filter(status=RequestStatus.OPEN)

    def overdue(self, today: dt.date):
        return self.open().filter(due_on__lt=today)


class PrivacyRequest(models.Model):
    customer = models.ForeignKey(
        "parties.Customer", on_delete=models.PROTECT, related_name="privacy_requests"
    )
    kind = models.CharField(_("请求类型 / request"), max_length=12, choices=RequestKind.choices)
    subject = models.CharField(
        _("复核事项 / decision to review"),
        max_length=12,
        choices=ReviewSubject.choices,
        blank=True,
    )
    details = models.TextField(_("说明 / details"), blank=True)
    received_at = models.DateTimeField(_("受理时间 / received"), db_index=True)
    due_on = models.DateField(_("答复期限 / answer by"))
    status = models.CharField(
        _("状态 / status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    # Late: marked by the nightly escalation, which names the manager who must answer.
    escalated_at = models.DateTimeField(_("超时升级 / escalated"), null=True, blank=True)
    escalated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("升级至 / escalated to"),
    )
    decision = models.CharField(
        _("决定 / decision"), max_length=12, choices=Decision.choices, blank=True
    )
    answer = models.TextField(_("书面答复 / written answer"), blank=True)
    answered_at = models.DateTimeField(_("答复时间 / answered"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("答复人 / answered by"),
    )

    objects = PrivacyRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("个人信息权利请求 / privacy request")
        verbose_name_plural = _("个人信息权利请求 / privacy requests")
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["status", "due_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open") | ~Q(decision=""), name="privacy_answered_has_decision"
            ),
            models.CheckConstraint(
                condition=~Q(kind="review") | ~Q(subject=""), name="privacy_review_has_subject"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.kind} ({self.status})"

    @property
    def reference(self) -> str:
        return f"PR{self.pk:08d}" if self.pk else "PR—"

    def is_overdue(self, today: dt.date) -> bool:
        return self.status == RequestStatus.OPEN and today > self.due_on


class DataExportQuerySet(RestrictedQuerySet):
    # Staff see that an export exists (with the customer); only the customer downloads it,
    # which the download view checks on top of this (services.exports.open_for).
    reach = customer_reach("customer")


class DataExport(models.Model):
    """A copy of everything held about a customer: a ZIP of JSON files, made by the worker,
    stored encrypted (AES-256-GCM under the field key), removed after the retention period."""

    request = models.OneToOneField(PrivacyRequest, on_delete=models.PROTECT, related_name="export")
    customer = models.ForeignKey(
        "parties.Customer", on_delete=models.PROTECT, related_name="data_exports"
    )
    status = models.CharField(
        _("状态 / status"),
        max_length=10,
        choices=ExportStatus.choices,
        default=ExportStatus.PENDING,
    )
    file_name = models.CharField(max_length=255, blank=True)  # in default_storage, encrypted
    size = models.PositiveIntegerField(_("大小(字节) / size (bytes)"), default=0)
    counts = models.JSONField(_("各类记录数 / records by kind"), default=dict, blank=True)
    ready_at = models.DateTimeField(_("生成时间 / ready"), null=True, blank=True)
    expires_at = models.DateTimeField(_("下载截止 / download until"), null=True, blank=True)
    downloads = models.PositiveIntegerField(_("下载次数 / downloads"), default=0)
    error = models.CharField(max_length=255, blank=True)

    objects = DataExportQuerySet.as_manager()

    class Meta:
        verbose_name = _("数据副本 / data export")
        verbose_name_plural = _("数据副本 / data exports")
        indexes = [models.Index(fields=["status", "expires_at"])]

    def __str__(self) -> str:
        return f"export {self.pk} of customer {self.customer_id} ({self.status})"


class RetentionRun(models.Model):
    """One run of the retention schedule: what it anonymised, kind by kind."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    as_of = models.DateField()
    dry_run = models.BooleanField(default=False)
    counts = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("保存期限执行 / retention run")
        verbose_name_plural = _("保存期限执行 / retention runs")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"retention {self.as_of} {self.counts}"
