"""Choices of the notify app: channels, purposes, message statuses, why a message was held and
what a delivery attempt came to."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ChannelName(models.TextChoices):
    SMS = "sms", _("短信 / SMS")
    WECHAT = "wechat", _("微信模板消息 / WeChat template message")
    EMAIL = "email", _("电子邮件 / E-mail")
    # Not an adapter: a printed letter a person posts (``LetterTask``); only legal notices
    # end here, when no electronic channel reaches the customer.
    LETTER = "letter", _("纸质信函 / Letter")


class Purpose(models.TextChoices):
    # Service notices concern a contract the customer holds (claim step, renewal due,
    # inspection due); marketing needs explicit consent and honours do-not-call.
    SERVICE = "service", _("服务通知 / Service notice")
    MARKETING = "marketing", _("营销 / Marketing")
    # Notices the law requires (Insurance Law Art 22 one-notice document request, Art 24
    # written rejection with reasons): sent whatever consent, do-not-call, unsubscribes, caps
    # or quiet hours say, never counted against the caps, falling back SMS → e-mail → letter.
    LEGAL = "legal", _("法定通知 / Legal notice")


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("待发送 / Queued")
    SENDING = "sending", _("发送中 / Sending")
    SENT = "sent", _("已发送 / Sent")
    DEFERRED = "deferred", _("免打扰时段顺延 / Deferred (quiet hours)")
    BLOCKED = "blocked", _("已拦截 / Blocked")
    FAILED = "failed", _("发送失败 / Failed")
    # A legal notice no channel delivered: an open ``LetterTask`` waits for a person to post it.
    LETTER = "letter", _("待寄信函 / Letter to post")


class BlockReason(models.TextChoices):
    NO_MARKETING_CONSENT = "no_marketing_consent", _("未同意营销 / no marketing consent")
    DO_NOT_CALL = "do_not_call", _("免打扰名单 / on the do-not-call list")
    UNSUBSCRIBED = "unsubscribed", _("已退订 / unsubscribed")
    FREQUENCY_CAP = "frequency_cap", _("超过频次上限 / frequency cap reached")
    NO_ADDRESS = "no_address", _("无可用联系方式 / no address for the channel")
    EXPIRED = "expired", _("已过时效 / no longer relevant")


class AttemptOutcome(models.TextChoices):
    SENT = "sent", _("已发送 / sent")
    FAILED = "failed", _("失败 / failed")
    NO_ADDRESS = "no_address", _("无联系方式 / no address")
