"""Pure decisions of the notify app: who may be sent what, when. No database access."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from .choices import BlockReason, ChannelName, MessageStatus, Purpose


@dataclass(frozen=True)
class Gate:
    """What the rules need to know about the customer and their recent messages.

    ``marketing_consent``: the customer consents to marketing on the channel the message goes
    by (parties.consent, per channel); ``restricted``: their processing is restricted
    (``Customer.restricted_at``) — no marketing at all, only contract and legal processing."""

    purpose: str
    marketing_consent: bool
    do_not_call_until: dt.date | None
    unsubscribed: bool
    sent_today: int
    marketing_this_week: int
    daily_cap: int
    weekly_marketing_cap: int
    restricted: bool = False


def block_reason(gate: Gate, today: dt.date) -> str | None:
    """The first rule a message breaks, or None when it may go (order = reason shown).

    A legal notice breaks none: the law requires it whatever the customer's marketing
    consent, do-not-call entry, unsubscribes (of any purpose) or caps say. A service notice
    needs no marketing consent and goes to a restricted customer too (the contract)."""
    if gate.purpose == Purpose.LEGAL:
        return None
    if gate.purpose == Purpose.MARKETING:
        if not gate.marketing_consent or gate.restricted:
            return BlockReason.NO_MARKETING_CONSENT
        if gate.do_not_call_until is not None and gate.do_not_call_until >= today:
            return BlockReason.DO_NOT_CALL
    if gate.unsubscribed:
        return BlockReason.UNSUBSCRIBED
    if gate.sent_today >= gate.daily_cap:
        return BlockReason.FREQUENCY_CAP
    if gate.purpose == Purpose.MARKETING and gate.marketing_this_week >= gate.weekly_marketing_cap:
        return BlockReason.FREQUENCY_CAP
    return None


def in_quiet_hours(local: dt.datetime, quiet: tuple[int, int]) -> bool:
    start, end = quiet
    hour = local.hour
    if start == end:
        return False
    if start > end:  # spans midnight, e.g. 21 → 9
        return hour >= start or hour < end
    return start <= hour < end


def quiet_hours_end(
    moment: dt.datetime, tz: ZoneInfo, quiet: tuple[int, int]
) -> dt.datetime | None:
    """When a message asked for at ``moment`` may go: None if now, else the end of quiet hours."""
    local = moment.astimezone(tz)
    if not in_quiet_hours(local, quiet):
        return None
    end = local.replace(hour=quiet[1], minute=0, second=0, microsecond=0)
    if end <= local:
        end += dt.timedelta(days=1)
    return end


def local_day_bounds(moment: dt.datetime, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    local = moment.astimezone(tz)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + dt.timedelta(days=1)


def choose_channel(
    order: Sequence[str],
    named: str | None,
    address: Callable[[str], str],
    unsubscribed: Callable[[str], bool],
) -> tuple[str, str]:
    """(channel, address) for a message. A channel the caller named is kept even without an
    address (the message is then blocked ``no_address``); otherwise the first channel in
    ``order`` with an address the customer has not unsubscribed from, else the first with an
    address (blocked ``unsubscribed`` by the gate), else ``order[0]`` without one."""
    if named:
        return named, address(named)
    first, first_address = "", ""
    for candidate in order:
        found = address(candidate)
        if not found:
            continue
        if not first:
            first, first_address = candidate, found
        if not unsubscribed(candidate):
            return candidate, found
    return (first, first_address) if first else (order[0], "")


def legal_route(order: Sequence[str], named: str | None) -> tuple[str, ...]:
    """The electronic channels a legal notice tries, in turn: the one the caller named first,
    then ``order`` (``LEGAL_CHANNEL_ORDER``, SMS → e-mail), each once. A letter is always the
    last resort and never part of the route; naming ``letter`` goes straight to it."""
    if named == ChannelName.LETTER:
        return ()
    first = [named] if named else []
    return tuple(c for c in dict.fromkeys([*first, *order]) if c != ChannelName.LETTER)


def next_legal_channel(
    route: Sequence[str], tried: Collection[str], address: Callable[[str], str]
) -> tuple[str, str, tuple[str, ...]]:
    """(channel, address, skipped) for a legal notice: the first channel of ``route`` not
    ``tried`` yet that has an address, and the untried channels passed over for having none;
    ``(letter, "", skipped)`` when no channel is left. Each channel is tried at most once, so
    the fallback always ends — at the latest in a letter."""
    skipped: list[str] = []
    for candidate in route:
        if candidate in tried:
            continue
        found = address(candidate)
        if found:
            return candidate, found, tuple(skipped)
        skipped.append(candidate)
    return ChannelName.LETTER, "", tuple(skipped)


@dataclass(frozen=True)
class Decision:
    """What happens to a message: queued (goes now), deferred until ``not_before``, or blocked
    with ``reason``."""

    status: str
    reason: str = ""
    not_before: dt.datetime | None = None


def decide(
    gate: Gate,
    today: dt.date,
    address: str,
    moment: dt.datetime,
    tz: ZoneInfo,
    quiet: tuple[int, int],
) -> Decision:
    """The gate's rules first (consent, do-not-call, unsubscribe, caps), then the address, then
    the quiet hours: the one decision ``send`` and ``send_many`` both apply.

    A legal notice is never blocked nor deferred: it goes now (queued) when ``address`` is
    the first channel of its route that has one, else it becomes a letter a person posts."""
    if gate.purpose == Purpose.LEGAL:
        return Decision(MessageStatus.QUEUED if address else MessageStatus.LETTER)
    reason = block_reason(gate, today) or ("" if address else BlockReason.NO_ADDRESS)
    if reason:
        return Decision(MessageStatus.BLOCKED, reason)
    not_before = quiet_hours_end(moment, tz, quiet)
    if not_before is None:
        return Decision(MessageStatus.QUEUED)
    return Decision(MessageStatus.DEFERRED, not_before=not_before)
