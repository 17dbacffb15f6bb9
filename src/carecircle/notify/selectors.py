"""Notify's reads: what the sending rules need to know about customers (``SendFacts``), the
addresses delivery needs, and the message log a person sees (through ``restrict``)."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, QuerySet

from carecircle.core import pii
from carecircle.parties import consent
from carecircle.parties.models import Customer

from . import conf, rules
from .choices import BlockReason, ChannelName, MessageStatus, Purpose
from .links import message_id_from
from .models import ContactAddress, LetterTask, Message, Unsubscribe

# The customer fields the rules read (sending loads only these).
CUSTOMER_FIELDS = (
    "name",
    "province",
    "city",
    "address",
    "phone_encrypted",
    "do_not_call_until",
    "restricted_at",
)


def customer_timezone(customer: Customer) -> ZoneInfo:
    by_province = conf.get("TIMEZONE_BY_PROVINCE")
    return ZoneInfo(by_province.get(customer.province, conf.get("DEFAULT_TIMEZONE")))


def address_tokens(customer_ids: Iterable[int]) -> dict[tuple[int, str], str]:
    """The customers' WeChat openids and e-mail addresses, still encrypted, by (customer, channel)."""
    return {
        (cid, channel): token
        for cid, channel, token in ContactAddress.objects.filter(
            customer_id__in=customer_ids
        ).values_list("customer_id", "channel", "address_encrypted")
    }


def address_of(customer: Customer, channel: str, tokens: dict[tuple[int, str], str]) -> str:
    """The customer's address on ``channel`` in clear ("" when none): the mobile number for SMS,
    else the ``ContactAddress`` among ``tokens``."""
    if channel == ChannelName.SMS:
        token = customer.phone_encrypted or ""
    else:
        token = tokens.get((customer.pk, channel), "")
    return pii.decrypt(token) if token else ""


class SendFacts:
    """What the rules need about some customers — a chunk of ``send_many``, the one customer of
    ``send``, a deferred message's customer at flush — read with one query per fact: their
    unsubscribes for the purpose, their addresses, and the messages counted for the caps
    (``exclude``: a deferred message does not count against itself). The settings the rules
    use are read once here, so one batch is decided under one set of them."""

    def __init__(
        self,
        customers: Iterable[Customer],
        moment: dt.datetime,
        purpose: str,
        *,
        exclude: int | None = None,
        addresses: bool = True,
    ) -> None:
        self.customers = {c.pk: c for c in customers}
        ids = list(self.customers)
        self.daily_cap: int = conf.get("DAILY_CAP")
        self.weekly_marketing_cap: int = conf.get("WEEKLY_MARKETING_CAP")
        self.quiet_hours: tuple[int, int] = conf.get("QUIET_HOURS")
        self.channel_order: tuple[str, ...] = tuple(conf.get("CHANNEL_ORDER"))
        self.legal_order: tuple[str, ...] = tuple(conf.get("LEGAL_CHANNEL_ORDER"))
        self.timezones = {pk: customer_timezone(c) for pk, c in self.customers.items()}
        self.unsubscribed: dict[int, set[str]] = defaultdict(set)
        self.tokens = address_tokens(ids) if addresses else {}
        self.today: Counter[int] = Counter()
        self.week: Counter[int] = Counter()
        # Marketing: the channels each customer consents to (parties.consent), one query.
        self.consented = consent.marketing_channels(ids) if purpose == Purpose.MARKETING else {}
        if purpose == Purpose.LEGAL:
            return  # no unsubscribe and no cap applies to a legal notice: nothing to read
        for cid, channel in Unsubscribe.objects.filter(
            customer_id__in=ids, purpose=purpose
        ).values_list("customer_id", "channel"):
            self.unsubscribed[cid].add(channel)
        counted = Message.objects.filter(customer_id__in=ids).counted_for_caps()
        if exclude:
            counted = counted.exclude(pk=exclude)
        by_tz: dict[ZoneInfo, list[int]] = defaultdict(list)
        for pk, tz in self.timezones.items():
            by_tz[tz].append(pk)
        for tz, members in by_tz.items():  # one query per time zone (mainland China: one)
            start, end = rules.local_day_bounds(moment, tz)
            rows = (
                counted.filter(customer_id__in=members)
                .filter(
                    Q(not_before__isnull=True, created_at__gte=start, created_at__lt=end)
                    | Q(not_before__gte=start, not_before__lt=end)
                )
                .values("customer_id")
                .annotate(n=Count("id"))
            )
            self.today.update({r["customer_id"]: r["n"] for r in rows})
        if purpose == Purpose.MARKETING:  # the weekly cap is a marketing rule only
            rows = (
                counted.filter(
                    purpose=Purpose.MARKETING, created_at__gt=moment - dt.timedelta(days=7)
                )
                .values("customer_id")
                .annotate(n=Count("id"))
            )
            self.week.update({r["customer_id"]: r["n"] for r in rows})

    def is_unsubscribed(self, customer_id: int, channel: str) -> bool:
        return bool(self.unsubscribed[customer_id] & {"", channel})

    def may_market(self, customer_id: int, channel: str) -> bool:
        """The customer consents to marketing on ``channel`` (read for marketing only)."""
        return channel in self.consented.get(customer_id, ())

    def address(self, customer: Customer, channel: str) -> str:
        return address_of(customer, channel, self.tokens)

    def gate(self, customer: Customer, purpose: str, channel: str) -> rules.Gate:
        return rules.Gate(
            purpose=purpose,
            marketing_consent=self.may_market(customer.pk, channel),
            do_not_call_until=customer.do_not_call_until,
            unsubscribed=self.is_unsubscribed(customer.pk, channel),
            sent_today=self.today[customer.pk],
            marketing_this_week=self.week[customer.pk],
            daily_cap=self.daily_cap,
            weekly_marketing_cap=self.weekly_marketing_cap,
            restricted=customer.restricted_at is not None,
        )

    def count(self, customer_id: int, purpose: str) -> None:
        """A message that will go counts towards the caps of the ones decided after it (a
        legal notice counts towards none)."""
        if purpose == Purpose.LEGAL:
            return
        self.today[customer_id] += 1
        if purpose == Purpose.MARKETING:
            self.week[customer_id] += 1


def message_log(user, *, status: str = "", reason: str = "", kind: str = "") -> QuerySet[Message]:
    """The messages ``user`` may see, newest first, filtered by status, block reason and kind
    (an unknown status or reason is ignored)."""
    messages = Message.objects.restrict(user).select_related("customer")
    if status in MessageStatus.values:
        messages = messages.filter(status=status)
    if reason in BlockReason.values:
        messages = messages.filter(block_reason=reason)
    if kind:
        messages = messages.filter(kind=kind)
    return messages


def dispatched_at(dedupe_key: str) -> dt.datetime | None:
    """When the message recorded under ``dedupe_key`` was dispatched — sent by a channel, or
    its letter recorded posted — else None (not yet, or no such message). The claims clocks
    read it (``claim:<pk>:rejection_notice``)."""
    if not dedupe_key:
        return None
    return (
        Message.objects.filter(dedupe_key=dedupe_key, status=MessageStatus.SENT)
        .values_list("sent_at", flat=True)
        .first()
    )


def letter_tasks(user, *, posted: bool = False) -> QuerySet[LetterTask]:
    """The letter tasks ``user`` may see: the open ones oldest first (the longest waiting on
    top), or with ``posted`` the posted ones newest first."""
    letters = LetterTask.objects.restrict(user).select_related("customer", "message", "posted_by")
    if posted:
        return letters.filter(posted_at__isnull=False).order_by("-posted_at", "-id")
    return letters.open().order_by("created_at", "id")


def message_for_link(token: str) -> Message | None:
    """The message a signed unsubscribe link names (the token is the credential: the customer
    who got the message opens it without logging in), or None when the token is not ours."""
    message_id = message_id_from(token)
    if message_id is None:
        return None
    return Message.objects.select_related("customer").filter(pk=message_id).first()
