"""Messages to customers: every one logged (sent, deferred or blocked with the reason).

``Message`` is the log and the outbox at once; ``OutboxEntry`` is the local sink the SMS and
WeChat adapters write to for the demo and tests; ``Unsubscribe`` records a customer's opt-out;
``ContactAddress`` holds the WeChat openid / e-mail address a channel needs (encrypted).
A legal notice keeps one ``DeliveryAttempt`` per try (which channel, when, why it failed) and,
when no channel reaches the customer, a ``LetterTask`` a person posts.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from carecircle.core import pii
from carecircle.core.access import RestrictedQuerySet, customer_reach

from .choices import AttemptOutcome, BlockReason, ChannelName, MessageStatus, Purpose


class MessageQuerySet(RestrictedQuerySet):
    reach = customer_reach("customer")

    def counted_for_caps(self):
        """Messages that reached or will reach the customer (blocked and failed do not count).
        Legal notices never count: the law's notice must not use up the customer's allowance
        of service or marketing messages (docs/notify.md)."""
        return self.exclude(purpose=Purpose.LEGAL).filter(
            status__in=[
                MessageStatus.QUEUED,
                MessageStatus.SENDING,
                MessageStatus.SENT,
                MessageStatus.DEFERRED,
            ]
        )


class Message(models.Model):
    customer = models.ForeignKey(
        "parties.Customer", on_delete=models.CASCADE, related_name="messages"
    )
    kind = models.CharField(_("消息类型 / kind"), max_length=40)
    purpose = models.CharField(_("用途 / purpose"), max_length=12, choices=Purpose.choices)
    channel = models.CharField(
        _("渠道 / channel"), max_length=8, choices=ChannelName.choices, blank=True
    )
    status = models.CharField(_("状态 / status"), max_length=10, choices=MessageStatus.choices)
    block_reason = models.CharField(
        _("拦截原因 / blocked because"), max_length=24, choices=BlockReason.choices, blank=True
    )
    subject = models.CharField(_("标题 / subject"), max_length=120)
    body = models.TextField(_("内容 / body"))
    context = models.JSONField(default=dict, blank=True)
    dedupe_key = models.CharField(
        _("去重键 / dedupe key"),
        max_length=120,
        blank=True,
        help_text=_("同一键只发一次 / one message per key, whoever asks again"),
    )
    address_masked = models.CharField(_("收件地址 / to"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("创建时间 / created"), db_index=True)
    not_before = models.DateTimeField(_("最早发送 / not before"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间 / sent at"), null=True, blank=True)
    provider_ref = models.CharField(_("通道回执 / provider reference"), max_length=64, blank=True)
    error = models.CharField(_("错误 / error"), max_length=255, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-created_at"], name="notify_msg_customer_time"),
            models.Index(fields=["status", "not_before"], name="notify_msg_due"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key"], condition=~Q(dedupe_key=""), name="notify_dedupe_key_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.customer_id} ({self.status})"


class OutboxEntry(models.Model):
    """The local sink of the SMS and WeChat adapters: what a real gateway would have been sent."""

    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="outbox")
    channel = models.CharField(max_length=8, choices=ChannelName.choices)
    address_masked = models.CharField(max_length=64)
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.channel} {self.address_masked}"


class Unsubscribe(models.Model):
    """A customer's opt-out from a purpose (marketing by default), on one channel or all."""

    customer = models.ForeignKey(
        "parties.Customer", on_delete=models.CASCADE, related_name="unsubscribes"
    )
    purpose = models.CharField(max_length=12, choices=Purpose.choices, default=Purpose.MARKETING)
    channel = models.CharField(
        max_length=8, choices=ChannelName.choices, blank=True, help_text=_("空=全部 / blank=all")
    )
    at = models.DateTimeField()
    via_message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "purpose", "channel"], name="notify_unsubscribe_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.purpose} {self.channel or '*'}"


class ContactAddress(models.Model):
    """A WeChat openid or e-mail address of a customer, encrypted at rest, masked for display."""

    customer = models.ForeignKey(
        "parties.Customer", on_delete=models.CASCADE, related_name="contact_addresses"
    )
    channel = models.CharField(max_length=8, choices=ChannelName.choices)
    address_encrypted = models.TextField()
    address_masked = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "channel"], name="notify_address_once")
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.address_masked}"

    @property
    def address(self) -> str:
        return pii.decrypt(self.address_encrypted)


class DeliveryAttemptQuerySet(RestrictedQuerySet):
    reach = customer_reach("message__customer")


class DeliveryAttempt(models.Model):
    """One try to deliver a legal notice on a channel — or a channel passed over for having no
    address — kept on the message as the proof of how the notice went (or why it did not)."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="delivery_attempts")
    channel = models.CharField(_("渠道 / channel"), max_length=8, choices=ChannelName.choices)
    at = models.DateTimeField(_("时间 / at"))
    outcome = models.CharField(_("结果 / outcome"), max_length=12, choices=AttemptOutcome.choices)
    address_masked = models.CharField(_("收件地址 / to"), max_length=64, blank=True)
    provider_ref = models.CharField(_("通道回执 / provider reference"), max_length=64, blank=True)
    error = models.CharField(_("失败原因 / why it failed"), max_length=255, blank=True)

    objects = DeliveryAttemptQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.message_id} {self.channel} {self.outcome}"


class LetterTaskQuerySet(RestrictedQuerySet):
    reach = customer_reach("customer")

    def open(self):
        return self.filter(posted_at__isnull=True)


class LetterTask(models.Model):
    """A legal notice no electronic channel delivered, to be printed and posted by a person.

    Never deleted and never closed except by a person recording the posting (with the
    tracking number); the notice's legal clock stops only then. Protected: the message and
    the customer cannot be deleted while the task exists (Insurance Law Art 87 records)."""

    message = models.OneToOneField(Message, on_delete=models.PROTECT, related_name="letter")
    customer = models.ForeignKey(
        "parties.Customer", on_delete=models.PROTECT, related_name="letter_tasks"
    )
    address_masked = models.CharField(_("邮寄地址 / postal address"), max_length=64, blank=True)
    reason = models.CharField(_("转信函原因 / why a letter"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("创建时间 / created"))
    posted_at = models.DateTimeField(_("寄出时间 / posted at"), null=True, blank=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    tracking_no = models.CharField(_("邮件单号 / tracking number"), max_length=40, blank=True)

    objects = LetterTaskQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["posted_at", "created_at"], name="notify_letter_open")]
        constraints = [
            # Posted means posted by someone, with a tracking number (the proof of dispatch).
            models.CheckConstraint(
                condition=Q(posted_at__isnull=True)
                | (Q(posted_by__isnull=False) & ~Q(tracking_no="")),
                name="notify_letter_posted_with_proof",
            )
        ]

    def __str__(self) -> str:
        return f"letter {self.message_id} ({'posted' if self.posted_at else 'open'})"
