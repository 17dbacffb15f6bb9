"""Delivery: queued messages handed to their channel adapters — one path for one message or
fifty thousand (``deliver`` is ``deliver_many`` of one) — and ``flush_due`` for the deferred,
the failed and the forgotten. Legal notices are settled by ``legal.settle``: each try
recorded, a spent channel falling back to the next or to a letter, the dispatch announced."""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter, defaultdict
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Q

from carecircle.core import clock

from .. import rules
from ..channels import DeliveryError, adapter_for
from ..choices import MessageStatus, Purpose
from ..models import Message
from ..selectors import SendFacts, address_of, address_tokens
from . import legal as legal_notices

log = logging.getLogger(__name__)
CHUNK = 1000
MAX_ATTEMPTS = 3
NO_ADDRESS = legal_notices.NO_ADDRESS


def deliver(message_id: int) -> Message:
    """Deliver one queued message; idempotent (only a queued one is taken). Returns it as it
    ended: sent, failed, or untouched when it was not queued."""
    deliver_many([message_id])
    return Message.objects.select_related("customer").get(pk=message_id)


def deliver_many(message_ids: list[int]) -> Counter[str]:
    """Hand queued messages to their adapters in batches; idempotent (only messages still
    queued are taken, each by one worker). An adapter may offer ``deliver_many(pairs)``
    returning one reference or ``DeliveryError`` per message; otherwise each goes through its
    ``deliver``."""
    tally: Counter[str] = Counter()
    for start in range(0, len(message_ids), CHUNK):
        ids = message_ids[start : start + CHUNK]
        with transaction.atomic():
            taken = list(
                # of=("self",): lock the messages only — a customer row locked by a sender
                # deciding its next message must not make this one skipped.
                Message.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(pk__in=ids, status=MessageStatus.QUEUED)
                .select_related("customer")
                .order_by("pk")
            )
            if not taken:
                continue
            Message.objects.filter(pk__in=[m.pk for m in taken]).update(
                status=MessageStatus.SENDING, attempts=F("attempts") + 1
            )
            for m in taken:  # as the rows now are
                m.status, m.attempts = MessageStatus.SENDING, m.attempts + 1
        tally.update(_deliver_batch(taken))
    return tally


def _deliver_batch(messages: list[Message]) -> Counter[str]:
    tokens = address_tokens({m.customer_id for m in messages})
    by_channel: dict[str, list[tuple[Message, str]]] = defaultdict(list)
    failed: dict[int, str] = {}
    for m in messages:
        address = address_of(m.customer, m.channel, tokens)
        if not address:
            failed[m.pk] = NO_ADDRESS
            continue
        by_channel[m.channel].append((m, address))
    sent: dict[int, str] = {}
    for channel, pairs in by_channel.items():
        adapter = adapter_for(channel)
        many = getattr(adapter, "deliver_many", None)
        if many is not None:
            with transaction.atomic():
                results = many(pairs)
        else:
            results = [_deliver_one(adapter, m, address) for m, address in pairs]
        for (m, _), result in zip(pairs, results, strict=True):
            if isinstance(result, DeliveryError):
                log.warning("message %s failed: %s", m.pk, result)
                failed[m.pk] = str(result)[:255]
            else:
                sent[m.pk] = str(result)[:64]
    tally: Counter[str] = Counter(
        {MessageStatus.SENT: len(sent), MessageStatus.FAILED: len(failed)}
    )
    legal = [m for m in messages if m.purpose == Purpose.LEGAL]
    requeued: list[int] = []
    if legal:  # rare: settled one by one, with their attempts, fallbacks and dispatch event
        requeued = legal_notices.settle(
            legal,
            {m.pk: sent.pop(m.pk) for m in legal if m.pk in sent},
            {m.pk: failed.pop(m.pk) for m in legal if m.pk in failed},
            MAX_ATTEMPTS,
        )
    _mark_sent(sent, clock.now())
    for pk, error in failed.items():
        Message.objects.filter(pk=pk).update(status=MessageStatus.FAILED, error=error)
    if requeued:  # a legal notice moved on to its next channel goes at once
        tally.update(deliver_many(requeued))
    return tally


def _deliver_one(adapter: Any, message: Message, address: str) -> str | DeliveryError:
    """One message through an adapter without a batch call; what it wrote is rolled back when
    the gateway refuses."""
    try:
        with transaction.atomic():
            return adapter.deliver(message, address)
    except DeliveryError as exc:
        return exc


def _mark_sent(refs: dict[int, str], moment: dt.datetime) -> None:
    """Each message its own provider reference, in one statement per 500 messages.

    ``bulk_update`` builds a CASE WHEN per row and field in Python — most of the time of a
    50,000-message send; an UPDATE … FROM a VALUES list does the same in the database (both
    PostgreSQL and SQLite ≥ 3.33 read it).
    """
    table = connection.ops.quote_name(Message._meta.db_table)
    items = list(refs.items())
    for start in range(0, len(items), 500):
        batch = items[start : start + 500]
        values = ", ".join(["(%s, %s)"] * len(batch))
        params: list[Any] = [p for pair in batch for p in pair]
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH refs(id, ref) AS (VALUES {values}) "  # noqa: S608 - placeholders only
                f"UPDATE {table} SET status = %s, sent_at = %s, provider_ref = refs.ref, "
                f"error = '' FROM refs WHERE {table}.id = refs.id",
                [*params, MessageStatus.SENT, moment],
            )


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
                reason = _block_reason_now(message, moment)
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


def _block_reason_now(message: Message, moment: dt.datetime) -> str | None:
    """The rules checked again for a deferred message (consent withdrawn overnight, an
    unsubscribe, caps filled meanwhile): the reason to block it now, or None."""
    customer = message.customer
    facts = SendFacts([customer], moment, message.purpose, exclude=message.pk, addresses=False)
    return rules.block_reason(facts.gate(customer, message.purpose, message.channel), clock.today())
