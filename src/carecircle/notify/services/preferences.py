"""The customer's preferences: unsubscribe (from a link, confirmed by a POST), subscribe
again, and the WeChat openid / e-mail address a channel needs."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from carecircle.core import audit, clock, pii
from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog
from carecircle.parties.models import Customer

from ..channels import mask_address
from ..choices import ChannelName, Purpose
from ..models import ContactAddress, Message, Unsubscribe


def unsubscribe(
    customer: Customer,
    *,
    purpose: str = Purpose.MARKETING,
    channel: str = "",
    via_message: Message | None = None,
    acting_user: Any = None,
) -> Unsubscribe:
    """Opt the customer out (idempotent); marketing on every channel unless told otherwise.
    Legal notices cannot be opted out of: the law requires them (docs/notify.md)."""
    if purpose == Purpose.LEGAL:
        raise DomainError(
            "legal_notices_required",
            "法定通知不可退订 / legal notices cannot be unsubscribed from",
            "purpose",
        )
    with transaction.atomic():
        entry, created = Unsubscribe.objects.get_or_create(
            customer=customer,
            purpose=purpose,
            channel=channel,
            defaults={"at": clock.now(), "via_message": via_message},
        )
        if created:
            audit.record(
                acting_user,
                AuditLog.Action.UPDATE,
                customer,
                summary=f"unsubscribed from {purpose} {channel or 'all channels'}",
                changes={"unsubscribe": [None, f"{purpose}:{channel or '*'}"]},
            )
        return entry


def resubscribe(customer: Customer, *, purpose: str = Purpose.MARKETING, acting_user: Any = None):
    with transaction.atomic():
        deleted, _ = Unsubscribe.objects.filter(customer=customer, purpose=purpose).delete()
        if deleted:
            audit.record(
                acting_user,
                AuditLog.Action.UPDATE,
                customer,
                summary=f"subscribed again to {purpose}",
                changes={"unsubscribe": [purpose, None]},
            )
    return deleted


def set_address(customer: Customer, channel: str, address: str, *, acting_user: Any = None):
    """Record a customer's WeChat openid or e-mail address (encrypted, masked for display)."""
    if channel not in (ChannelName.WECHAT, ChannelName.EMAIL):
        raise DomainError("unknown_channel", "仅微信或邮件 / WeChat or e-mail only", "channel")
    address = address.strip()
    if channel == ChannelName.EMAIL and ("@" not in address or " " in address):
        raise DomainError("invalid_email", "邮箱格式不正确 / not an e-mail address", "address")
    with transaction.atomic():
        entry, _ = ContactAddress.objects.update_or_create(
            customer=customer,
            channel=channel,
            defaults={
                "address_encrypted": pii.encrypt(address),
                "address_masked": mask_address(channel, address),
            },
        )
        audit.record(acting_user, AuditLog.Action.UPDATE, customer, summary=f"{channel} address")
        return entry
