"""The notify API other apps call: ``send(customer, kind, …) -> Message``.

One rule set for every outbound message (docs/notify.md):

1. idempotent on ``dedupe_key``: the same key returns the message already recorded;
2. marketing needs explicit consent and is held while the customer is on the do-not-call list;
3. an unsubscribe (per purpose, one channel or all) is honoured;
4. frequency caps count every message that went or will go (not blocked ones);
5. inside the customer's quiet hours the message is deferred to their end (``flush_due``);
6. every message is logged: queued/sent, deferred, or blocked with the reason.

Delivery runs after the caller's transaction commits (``transaction.on_commit``), so a rolled
back business change never sends anything. Called outside a transaction, ``send`` returns the
message already sent (or failed).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import F, Q

from carecircle.core import audit, clock, pii
from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog
from carecircle.parties.models import Customer

from .. import conf, kinds, rules
from ..channels import DeliveryError, adapter_for, mask_address
from ..choices import BlockReason, ChannelName, MessageStatus, Purpose
from ..models import ContactAddress, Message, Unsubscribe

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3


def customer_timezone(customer: Customer) -> ZoneInfo:
    by_province = conf.get("TIMEZONE_BY_PROVINCE")
    return ZoneInfo(by_province.get(customer.province, conf.get("DEFAULT_TIMEZONE")))


def address_for(customer: Customer, channel: str) -> str:
    if channel == ChannelName.SMS:
        return pii.decrypt(customer.phone_encrypted) if customer.phone_encrypted else ""
    found = ContactAddress.objects.filter(customer=customer, channel=channel).first()
    return found.address if found else ""


def is_unsubscribed(customer: Customer, purpose: str, channel: str) -> bool:
    return Unsubscribe.objects.filter(
        Q(channel="") | Q(channel=channel), customer=customer, purpose=purpose
    ).exists()


def _counts(customer: Customer, moment: dt.datetime, tz: ZoneInfo, exclude: int | None):
    start, end = rules.local_day_bounds(moment, tz)
    mine = Message.objects.filter(customer=customer).counted_for_caps()
    if exclude:
        mine = mine.exclude(pk=exclude)
    today = mine.filter(
        Q(not_before__isnull=True, created_at__gte=start, created_at__lt=end)
        | Q(not_before__gte=start, not_before__lt=end)
    ).count()
    week = mine.filter(purpose=Purpose.MARKETING, created_at__gt=moment - dt.timedelta(days=7))
    return today, week.count()


def _gate(customer, purpose, channel, moment, tz, exclude=None) -> str | None:
    today, week = _counts(customer, moment, tz, exclude)
    gate = rules.Gate(
        purpose=purpose,
        marketing_consent=customer.marketing_consent,
        do_not_call_until=customer.do_not_call_until,
        unsubscribed=is_unsubscribed(customer, purpose, channel),
        sent_today=today,
        marketing_this_week=week,
        daily_cap=conf.get("DAILY_CAP"),
        weekly_marketing_cap=conf.get("WEEKLY_MARKETING_CAP"),
    )
    return rules.block_reason(gate, clock.today())


def _choose_channel(customer: Customer, purpose: str, channel: str | None) -> tuple[str, str]:
    """(channel, address); an explicit channel is kept even without an address (then blocked)."""
    if channel:
        return channel, address_for(customer, channel)
    first = ""
    for candidate in conf.get("CHANNEL_ORDER"):
        address = address_for(customer, candidate)
        if not address:
            continue
        first = first or candidate
        if not is_unsubscribed(customer, purpose, candidate):
            return candidate, address
    return first or conf.get("CHANNEL_ORDER")[0], address_for(customer, first) if first else ""


def send(
    customer: Customer,
    kind: str,
    *,
    purpose: str = Purpose.SERVICE,
    context: dict[str, Any] | None = None,
    channel: str | None = None,
    dedupe_key: str | None = None,
    acting_user: Any = None,
) -> Message:
    """Record one message to ``customer`` and dispatch it (after commit) unless held.

    Returns the ``Message``: status ``queued``/``sent``/``failed``, ``deferred`` (quiet hours,
    ``not_before`` says until when) or ``blocked`` (``block_reason`` says why). Raises
    ``DomainError`` for an unknown kind, purpose or channel.
    """
    if purpose not in Purpose.values:
        raise DomainError("unknown_purpose", f"purpose 须为 {Purpose.values} 之一", "purpose")
    if channel and channel not in ChannelName.values:
        raise DomainError("unknown_channel", f"channel 须为 {ChannelName.values} 之一", "channel")
    values = {"name": customer.name, **(context or {})}
    subject, body = kinds.render(kind, values)
    dedupe_key = (dedupe_key or "").strip()[:120]
    if dedupe_key:
        existing = Message.objects.filter(dedupe_key=dedupe_key).first()
        if existing is not None:
            return existing
    outer = transaction.get_connection().in_atomic_block
    try:
        with transaction.atomic():
            # One customer's messages are decided one at a time so caps hold under concurrency.
            locked = Customer.objects.select_for_update().get(pk=customer.pk)
            message = _record(
                locked, kind, purpose, channel, subject, body, values, dedupe_key, acting_user
            )
    except IntegrityError:
        if not dedupe_key:
            raise
        return Message.objects.get(dedupe_key=dedupe_key)
    if not outer and message.status == MessageStatus.QUEUED:
        message.refresh_from_db()
    return message


def _record(customer, kind, purpose, channel, subject, body, values, dedupe_key, acting_user):
    moment = clock.now()
    tz = customer_timezone(customer)
    chosen, address = _choose_channel(customer, purpose, channel)
    reason = _gate(customer, purpose, chosen, moment, tz)
    if reason is None and not address:
        reason = BlockReason.NO_ADDRESS
    not_before = None
    if reason:
        status = MessageStatus.BLOCKED
    else:
        not_before = rules.quiet_hours_end(moment, tz, conf.get("QUIET_HOURS"))
        status = MessageStatus.DEFERRED if not_before else MessageStatus.QUEUED
    message = Message.objects.create(
        customer=customer,
        kind=kind,
        purpose=purpose,
        channel=chosen,
        status=status,
        block_reason=reason or "",
        subject=subject,
        body=body,
        context=_json_safe(values),
        dedupe_key=dedupe_key,
        address_masked=mask_address(chosen, address) if address else "",
        created_at=moment,
        not_before=not_before,
        requested_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
    )
    if acting_user is not None:
        audit.record(
            acting_user, AuditLog.Action.CREATE, message, summary=f"{kind} {status} {reason or ''}"
        )
    if status == MessageStatus.QUEUED:
        transaction.on_commit(lambda: deliver(message.pk))
    return message


def _json_safe(values: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v if isinstance(v, int | float | bool | type(None)) else str(v)
        for k, v in values.items()
    }


def deliver(message_id: int) -> Message:
    """Hand a queued message to its channel adapter; idempotent (only a queued one is taken)."""
    taken = Message.objects.filter(pk=message_id, status=MessageStatus.QUEUED).update(
        status=MessageStatus.SENDING, attempts=F("attempts") + 1
    )
    message = Message.objects.select_related("customer").get(pk=message_id)
    if not taken:
        return message
    address = address_for(message.customer, message.channel)
    try:
        with transaction.atomic():
            if not address:
                raise DeliveryError("no address for the channel")
            ref = adapter_for(message.channel).deliver(message, address)
            Message.objects.filter(pk=message.pk).update(
                status=MessageStatus.SENT, sent_at=clock.now(), provider_ref=ref[:64], error=""
            )
    except DeliveryError as exc:
        log.warning("message %s failed: %s", message.pk, exc)
        Message.objects.filter(pk=message.pk).update(
            status=MessageStatus.FAILED, error=str(exc)[:255]
        )
    message.refresh_from_db()
    return message


def flush_due(now: dt.datetime | None = None) -> dict[str, int]:
    """Send deferred messages whose quiet hours are over (rules checked again), retry failed ones.

    Run every few minutes by ``carecircle notify flush`` (cron/systemd timer or the worker).
    """
    moment = now or clock.now()
    counts = {"sent": 0, "blocked": 0, "failed": 0}
    due = Message.objects.filter(
        Q(status=MessageStatus.DEFERRED, not_before__lte=moment)
        | Q(status=MessageStatus.FAILED, attempts__lt=MAX_ATTEMPTS)
        | Q(status=MessageStatus.QUEUED, created_at__lt=moment - dt.timedelta(minutes=5))
    ).values_list("pk", flat=True)
    for pk in list(due[:5000]):
        with transaction.atomic():
            message = Message.objects.select_for_update().select_related("customer").get(pk=pk)
            if message.status == MessageStatus.DEFERRED:
                customer = message.customer
                tz = customer_timezone(customer)
                reason = _gate(customer, message.purpose, message.channel, moment, tz, message.pk)
                if reason:
                    message.status, message.block_reason = MessageStatus.BLOCKED, reason
                    message.save(update_fields=["status", "block_reason"])
                    counts["blocked"] += 1
                    continue
            if message.status in (MessageStatus.DEFERRED, MessageStatus.FAILED):
                message.status = MessageStatus.QUEUED
                message.save(update_fields=["status"])
        result = deliver(pk)
        counts["sent" if result.status == MessageStatus.SENT else "failed"] += 1
    return counts


def unsubscribe(
    customer: Customer,
    *,
    purpose: str = Purpose.MARKETING,
    channel: str = "",
    via_message: Message | None = None,
    acting_user: Any = None,
) -> Unsubscribe:
    """Opt the customer out (idempotent); marketing on every channel unless told otherwise."""
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
