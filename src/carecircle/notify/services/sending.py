"""Sending: ``send`` (one customer) is ``send_many`` of one — one path, one builder of ``Message``.

The rules, for every outbound message (docs/notify.md):

1. idempotent on ``dedupe_key``: the message already recorded under the key is the answer;
2. marketing needs explicit consent on the channel it goes by (``parties.consent``; a
   customer whose processing is restricted gets none) and is held while the customer is on
   the do-not-call list; service notices need no marketing consent;
3. an unsubscribe (per purpose, one channel or all) is honoured;
4. frequency caps count every message that went or will go (not blocked ones), the batch's
   own messages included;
5. inside the customer's quiet hours the message is deferred to their end (``flush_due``);
6. every message is logged: queued/sent, deferred, or blocked with the reason.

A legal notice (``Purpose.LEGAL``) skips rules 2–5 and counts towards no cap: it goes now on
the first channel of its route (``LEGAL_CHANNEL_ORDER``) with an address, else it is a letter
task at once (``legal.record_new``); failures fall back at delivery (``legal.settle``).

How (``_record``, for a chunk of up to 1,000 requests or for one): lock the customers
(``select_for_update``, in pk order so two senders cannot deadlock; caps hold under
concurrency), read the dedupe keys already used *after* the lock, read the facts the rules need
with one query each (``selectors.SendFacts``), decide and build each message in memory
(``build_message``: ``rules.choose_channel``, ``rules.decide``), write them with one
``bulk_create`` and deliver the queued ones after the caller's transaction commits
(``delivery.deliver_many``), so a rolled-back business change never sends anything.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from itertools import islice
from typing import Any

from django.db import IntegrityError, transaction

from carecircle.core import audit, clock, locks
from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog
from carecircle.parties.models import Customer

from .. import kinds, rules
from ..channels import mask_address, postal_masked
from ..choices import ChannelName, MessageStatus, Purpose
from ..models import Message
from ..selectors import CUSTOMER_FIELDS, SendFacts
from . import legal
from .delivery import deliver_many

CHUNK = 1000


@dataclass
class Outgoing:
    """One message asked for: to whom, with what, under which dedupe key."""

    customer_id: int
    context: dict[str, Any]
    dedupe_key: str = ""


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
    ``not_before`` says until when) or ``blocked`` (``block_reason`` says why). Called outside
    a transaction it returns the message already sent (or failed). Raises ``DomainError`` for
    an unknown kind, purpose or channel.
    """
    _check(kind, purpose, channel)
    item = Outgoing(customer.pk, context or {}, dedupe_key or "")
    key = _key(item)
    outer = transaction.get_connection().in_atomic_block
    try:
        with transaction.atomic():
            [(message, created)] = _record([item], kind, purpose, acting_user, channel=channel)
            if message is None:
                raise Customer.DoesNotExist(f"no customer {customer.pk}")
            if created and acting_user is not None:
                audit.record(
                    acting_user,
                    AuditLog.Action.CREATE,
                    message,
                    summary=f"{kind} {message.status} {message.block_reason}",
                )
    except IntegrityError:
        # The same key recorded for another customer at the same moment: the winner's row.
        if not key:
            raise
        return Message.objects.get(dedupe_key=key)
    if not created:
        return message
    message.customer = customer  # the caller's object, not the partly loaded locked one
    if not outer and message.status == MessageStatus.QUEUED:
        message.refresh_from_db()  # delivered when the block above committed
    return message


def send_many(
    items: Iterable[Outgoing],
    kind: str,
    *,
    purpose: str = Purpose.SERVICE,
    acting_user: Any = None,
    chunk: int = CHUNK,
    channel: str | None = None,
) -> Counter[str]:
    """Record (and, after commit, deliver) one ``kind`` message per item, in chunks of
    ``chunk`` with one transaction each; returns a tally of outcomes: the block reason, or the
    status (queued/sent/deferred/…); ``no_customer`` for an id that names nobody. ``channel``
    as in ``send`` (None: the first channel with an address)."""
    _check(kind, purpose, channel)
    tally: Counter[str] = Counter()
    for batch in _chunks(items, chunk):
        with transaction.atomic():
            for message, _ in _record(batch, kind, purpose, acting_user, channel=channel):
                tally[_outcome(message)] += 1
    if acting_user is not None and tally:
        audit.record(
            acting_user,
            AuditLog.Action.CREATE,
            object_type="notify.message",
            summary=f"{kind} to {sum(tally.values())} customers: {dict(tally)}",
        )
    return tally


def _check(kind: str, purpose: str, channel: str | None) -> None:
    """Refuse an unknown purpose, channel or kind before anything is written."""
    if purpose not in Purpose.values:
        raise DomainError("unknown_purpose", f"purpose 须为 {Purpose.values} 之一", "purpose")
    if channel and channel not in ChannelName.values:
        raise DomainError("unknown_channel", f"channel 须为 {ChannelName.values} 之一", "channel")
    if channel == ChannelName.LETTER and purpose != Purpose.LEGAL:
        raise DomainError(
            "letter_for_legal_only", "仅法定通知可寄信函 / letters are for legal notices", "channel"
        )
    kinds.render(kind, {})


def _chunks(items: Iterable[Outgoing], size: int) -> Iterator[list[Outgoing]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def _key(item: Outgoing) -> str:
    return item.dedupe_key.strip()[:120]


def _outcome(message: Message | None) -> str:
    if message is None:
        return "no_customer"
    return str(message.block_reason or message.status)


def _record(
    batch: list[Outgoing],
    kind: str,
    purpose: str,
    acting_user: Any,
    *,
    channel: str | None = None,
) -> list[tuple[Message | None, bool]]:
    """Decide, log and (after commit) deliver ``batch``, inside the caller's transaction.

    One ``(message, created)`` per item, in order: the message recorded now, or the one
    already recorded under its dedupe key (``created`` False; a key twice in one batch is one
    message), or ``(None, False)`` when the customer does not exist.
    """
    moment, today = clock.now(), clock.today()
    customers = locks.lock_all(
        Customer.objects.filter(pk__in=sorted({o.customer_id for o in batch})).only(
            *CUSTOMER_FIELDS
        )
    )
    facts = SendFacts(customers, moment, purpose)
    keys = [key for key in map(_key, batch) if key]
    # ``exclude(dedupe_key="")`` repeats the unique index's condition: PostgreSQL cannot prove
    # it from an IN list of more than 100 keys and would scan the whole log.
    existing = {
        m.dedupe_key: m for m in Message.objects.filter(dedupe_key__in=keys).exclude(dedupe_key="")
    }
    requested_by = acting_user if getattr(acting_user, "is_authenticated", False) else None
    results: list[tuple[Message | None, bool]] = []
    rows: list[Message] = []
    for item in batch:
        key = _key(item)
        if key in existing:
            results.append((existing[key], False))
            continue
        customer = facts.customers.get(item.customer_id)
        if customer is None:
            results.append((None, False))
            continue
        message = build_message(
            customer,
            kind,
            purpose=purpose,
            context=item.context,
            dedupe_key=key,
            channel=channel,
            facts=facts,
            moment=moment,
            today=today,
            requested_by=requested_by,
        )
        rows.append(message)
        results.append((message, True))
        if key:
            existing[key] = message
    Message.objects.bulk_create(rows, batch_size=500)
    if purpose == Purpose.LEGAL and rows:
        legal.record_new(rows, channel, moment)
    queued = [m.pk for m in rows if m.status == MessageStatus.QUEUED]
    if queued:
        transaction.on_commit(partial(deliver_many, queued))
    return results


def build_message(
    customer: Customer,
    kind: str,
    *,
    purpose: str,
    context: dict[str, Any],
    dedupe_key: str,
    channel: str | None,
    facts: SendFacts,
    moment: dt.datetime,
    today: dt.date,
    requested_by: Any,
) -> Message:
    """The one builder of ``Message`` (not saved): channel and address, the rules' decision,
    the text, the log's fields. A message that will go counts towards the caps of the ones
    built after it."""
    if purpose == Purpose.LEGAL:  # its own route (SMS → e-mail), ending in a letter
        chosen, address, _ = rules.next_legal_channel(
            rules.legal_route(facts.legal_order, channel),
            (),
            lambda candidate: facts.address(customer, candidate),
        )
    else:
        # Marketing passes over a channel the customer has not consented to, as over one they
        # unsubscribed from: SMS refused, WeChat agreed → WeChat.
        marketing = purpose == Purpose.MARKETING
        chosen, address = rules.choose_channel(
            facts.channel_order,
            channel,
            lambda candidate: facts.address(customer, candidate),
            lambda candidate: (
                facts.is_unsubscribed(customer.pk, candidate)
                or (marketing and not facts.may_market(customer.pk, candidate))
            ),
        )
    decision = rules.decide(
        facts.gate(customer, purpose, chosen),
        today,
        address,
        moment,
        facts.timezones[customer.pk],
        facts.quiet_hours,
    )
    if decision.status != MessageStatus.BLOCKED:
        facts.count(customer.pk, purpose)
    values = {"name": customer.name, **context}
    subject, body = kinds.render(kind, values)
    return Message(
        customer=customer,
        kind=kind,
        purpose=purpose,
        channel=chosen,
        status=decision.status,
        block_reason=decision.reason,
        subject=subject,
        body=body,
        context=_json_safe(values),
        dedupe_key=dedupe_key,
        address_masked=mask_address(chosen, address)
        if address
        else postal_masked(customer)
        if chosen == ChannelName.LETTER
        else "",
        created_at=moment,
        not_before=decision.not_before,
        requested_by=requested_by,
    )


def _json_safe(values: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v if isinstance(v, int | float | bool | type(None)) else str(v)
        for k, v in values.items()
    }
