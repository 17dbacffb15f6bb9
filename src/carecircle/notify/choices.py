"""Choices of the notify app: channels, purposes, message statuses and why a message was held."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ChannelName(models.TextChoices):
    SMS = "sms", _("短信 / SMS")
    WECHAT = "wechat", _("微信模板消息 / WeChat template message")
    EMAIL = "email", _("电子邮件 / E-mail")


class Purpose(models.TextChoices):
    # Service notices concern a contract the customer holds (claim step, renewal due,
    # inspection due); marketing needs explicit consent and honours do-not-call.
    SERVICE = "service", _("服务通知 / Service notice")
    MARKETING = "marketing", _("营销 / Marketing")


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("待发送 / Queued")
    SENDING = "sending", _("发送中 / Sending")
    SENT = "sent", _("已发送 / Sent")
    DEFERRED = "deferred", _("免打扰时段顺延 / Deferred (quiet hours)")
    BLOCKED = "blocked", _("已拦截 / Blocked")
    FAILED = "failed", _("发送失败 / Failed")


class BlockReason(models.TextChoices):
    NO_MARKETING_CONSENT = "no_marketing_consent", _("未同意营销 / no marketing consent")
    DO_NOT_CALL = "do_not_call", _("免打扰名单 / on the do-not-call list")
    UNSUBSCRIBED = "unsubscribed", _("已退订 / unsubscribed")
    FREQUENCY_CAP = "frequency_cap", _("超过频次上限 / frequency cap reached")
    NO_ADDRESS = "no_address", _("无可用联系方式 / no address for the channel")
    EXPIRED = "expired", _("已过时效 / no longer relevant")
