"""What happens to a claim: transitions (who/when/why), payments, documents, review flags."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from carecircle.core.access import RestrictedQuerySet, customer_reach
from carecircle.core.money import MoneyField

from .. import conf
from ..choices import (
    Action,
    ClaimStatus,
    DocumentKind,
    FlagStatus,
    Payee,
    PaymentKind,
    PaymentStatus,
)


class ClaimChildQuerySet(RestrictedQuerySet):
    # With the claim: its unit, and the shop it was sent to (documents for the repair).
    reach = customer_reach(
        "claim__policy__customer", partner="claim__repair_shop", unit="claim__unit"
    )


class ClaimTransition(models.Model):
    """One step on a claim's timeline; append-only. Status changes and clock events alike."""

    claim = models.ForeignKey("claims.Claim", on_delete=models.CASCADE, related_name="transitions")
    action = models.CharField(_("动作 / action"), max_length=24, choices=Action.choices)
    from_status = models.CharField(
        _("原状态 / from"), max_length=16, choices=ClaimStatus.choices, blank=True
    )
    to_status = models.CharField(_("新状态 / to"), max_length=16, choices=ClaimStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="claim_transitions",
        help_text=_("空 = 系统(快赔规则等) / empty = the system (fast-track rule, …)"),
    )
    at = models.DateTimeField(_("时间 / at"))
    reason = models.TextField(_("说明 / reason"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    objects = ClaimChildQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["claim", "at"]),
            models.Index(fields=["action", "at"], name="claim_transition_action_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.claim_id} {self.action} {self.from_status}→{self.to_status}"


class ClaimPayment(models.Model):
    """A payment instruction; the unique key makes a retried or concurrent payment a no-op and
    at most one settlement (final) payment exists per claim."""

    claim = models.ForeignKey("claims.Claim", on_delete=models.PROTECT, related_name="payments")
    kind = models.CharField(_("类型 / kind"), max_length=12, choices=PaymentKind.choices)
    amount = MoneyField(_("金额 / amount"))
    payee = models.CharField(_("收款方 / payee"), max_length=12, choices=Payee.choices)
    payee_shop = models.ForeignKey(
        "parties.Partner", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    round = models.PositiveSmallIntegerField(
        _("轮次 / round"), default=0, help_text=_("重开次数 / times the claim was reopened")
    )
    idempotency_key = models.CharField(_("幂等键 / idempotency key"), max_length=128, unique=True)
    status = models.CharField(
        _("状态 / status"),
        max_length=12,
        choices=PaymentStatus.choices,
        default=PaymentStatus.CREATED,
    )
    created_at = models.DateTimeField(_("指令时间 / instructed at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField(_("汇出时间 / sent at"), null=True, blank=True)
    gateway_ref = models.CharField(_("银行流水号 / bank reference"), max_length=64, blank=True)
    # Paid means confirmed: the reserve report's paid = confirmed − returned after confirmation
    # + reissues confirmed (ReserveKind.PAYMENT / RETURN move the case reserve with them).
    confirmed_at = models.DateTimeField(_("到账时间 / confirmed at"), null=True, blank=True)
    returned_at = models.DateTimeField(_("退回时间 / returned at"), null=True, blank=True)
    return_reason = models.CharField(_("退回原因 / bank's reason"), max_length=128, blank=True)
    reissue_of = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reissue",
        verbose_name=_("重付自 / reissue of"),
    )
    # Payees and the bank (#16, ADR 0016): the account paid into, who approved the payment,
    # the batch file it left in and the bank's return code.
    account = models.ForeignKey(
        "claims.BankAccount",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
        verbose_name=_("收款账户 / account"),
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(_("审批时间 / approved at"), null=True, blank=True)
    batch = models.ForeignKey(
        "claims.PaymentBatch",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
        verbose_name=_("批次 / batch"),
    )
    return_code = models.CharField(_("退回代码 / bank's code"), max_length=16, blank=True)

    objects = ClaimChildQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(
                fields=["confirmed_at"],
                condition=Q(confirmed_at__isnull=False),
                name="claim_payment_confirmed_idx",
            ),
            models.Index(fields=["status"], name="claim_payment_status_idx"),
        ]
        constraints = [
            # One settlement per claim and round; its reissues after a bank return are new
            # rows that point at the returned one.
            models.UniqueConstraint(
                fields=["claim", "round"],
                condition=Q(kind="final", reissue_of__isnull=True),
                name="claim_one_final_payment",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="claim_payment_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.claim_id} {self.kind} {self.amount}"


def _upload_to(instance: ClaimDocument, filename: str) -> str:
    from django.utils import timezone

    folder = timezone.now().strftime(conf.get("UPLOAD_DIR"))
    return f"{folder}/{instance.claim_id}/{filename}"


class ClaimDocument(models.Model):
    """A photo or document on a claim, stored through Django's default storage."""

    claim = models.ForeignKey("claims.Claim", on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("类型 / kind"), max_length=12, choices=DocumentKind.choices)
    file = models.FileField(_("文件 / file"), upload_to=_upload_to, max_length=255)
    original_name = models.CharField(_("原文件名 / file name"), max_length=128)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField()

    objects = ClaimChildQuerySet.as_manager()

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class ClaimFlag(models.Model):
    """A fraud or leakage signal with its reason. It routes the claim to a person; it never
    rejects, and it never stops the legal clocks."""

    claim = models.ForeignKey("claims.Claim", on_delete=models.CASCADE, related_name="flags")
    code = models.CharField(_("信号 / signal"), max_length=32)
    reason = models.CharField(_("原因 / reason"), max_length=255)
    status = models.CharField(
        _("状态 / status"), max_length=12, choices=FlagStatus.choices, default=FlagStatus.OPEN
    )
    raised_at = models.DateTimeField()
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("复核意见 / review note"), max_length=255, blank=True)

    objects = ClaimChildQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["claim", "code"], name="claim_flag_once_per_signal")
        ]
        indexes = [models.Index(fields=["status"])]

    def __str__(self) -> str:
        return f"{self.claim_id} {self.code}"
