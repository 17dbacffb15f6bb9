"""Pure renewal decisions: 清分 (segment and priority) and the law on renewal calls.

No database access: the pipeline, the workspace, the simulation benchmark and the tests share
these functions over plain values and the rows they are given.

**清分.** Each renewal's segment and priority = expected value of working it. Priority = value
at stake × contact lift, where the lift is how much a contact raises the chance of renewal
over not calling (history when there is enough of it, else ``k·p·(1−p)``: customers sure to
renew or sure to leave gain little from a call).

**Calls** (DOMAIN.md, docs/renewals.md). ``violations`` returns every rule a contact would
break right now, given the customer's contact counts (``selectors.call_violations`` counts
them); services lock the task, ask, and on a violation log a ``ComplianceBlock`` and refuse
with the rule's message (``services.compliance``).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from .choices import Rule, Segment, Status
from .conf import RenewalSettings

if TYPE_CHECKING:
    from carecircle.parties.models import Customer

    from .models import RenewalTask

# ----------------------------------------------------------------------------- 清分

HIGH_TIERS = frozenset({"diamond", "platinum", "gold"})
AT_RISK_BELOW = Decimal("0.60")
LOYAL_FROM = Decimal("0.80")
LOSS_MAKING_FROM = Decimal("1.00")  # credibility-weighted loss ratio
# No value run for the customer yet: the book's margin (DOMAIN.md: loss 74 % + expense 24 %)
# on last year's premium for three years, and the book's renewal rate.
FALLBACK_MARGIN = Decimal("0.02")
FALLBACK_YEARS = 3
FALLBACK_PROBABILITY = Decimal("0.70")
PROBABILITY_BANDS = (Decimal("0.2"), Decimal("0.4"), Decimal("0.6"), Decimal("0.8"))
CENT = Decimal("0.01")
FOUR = Decimal("0.0001")


@dataclass(frozen=True)
class CustomerSignal:
    """What the value engine says of a customer (current run)."""

    tier: str
    renewal_probability: Decimal
    lifetime_value: Decimal
    annual_premium: Decimal
    loss_ratio_credible: Decimal
    annual_margin: Decimal


def segment(signal: CustomerSignal | None) -> str:
    if signal is None:
        return Segment.NEW_CUSTOMER
    if signal.loss_ratio_credible >= LOSS_MAKING_FROM or signal.annual_margin < 0:
        return Segment.LOSS_MAKING
    high = signal.tier in HIGH_TIERS
    if high and signal.renewal_probability < AT_RISK_BELOW:
        return Segment.HIGH_VALUE_AT_RISK
    if high and signal.renewal_probability >= LOYAL_FROM:
        return Segment.HIGH_VALUE_LOYAL
    if signal.renewal_probability < AT_RISK_BELOW:
        return Segment.AT_RISK
    return Segment.STANDARD


def value_at_stake(signal: CustomerSignal | None, premium: Decimal) -> Decimal:
    """The customer's lifetime value in proportion to this renewal's share of their premium;
    never negative (a loss-making customer is still served, but last)."""
    if signal is None:
        return (premium * FALLBACK_MARGIN * FALLBACK_YEARS).quantize(CENT)
    if signal.lifetime_value <= 0 or signal.annual_premium <= 0:
        return Decimal("0.00")
    share = min(Decimal(1), premium / signal.annual_premium)
    return (signal.lifetime_value * share).quantize(CENT)


def probability_band(p: Decimal) -> int:
    return sum(1 for edge in PROBABILITY_BANDS if p >= edge)


def default_lift(p: Decimal, k: Decimal) -> Decimal:
    return (k * p * (1 - p)).quantize(FOUR)


def lift_from_history(
    outcomes: Sequence[tuple[Decimal, bool, bool]], min_contacts: int
) -> Mapping[int, Decimal] | None:
    """Per probability band: renewal rate when contacted − when not, clipped to [0, 0.5].

    ``outcomes``: closed renewals as (probability, contacted, renewed). None when fewer than
    ``min_contacts`` contacted or uncontacted renewals exist (too little to trust).
    """
    counts = {band: [0, 0, 0, 0] for band in range(len(PROBABILITY_BANDS) + 1)}
    for p, contacted, renewed in outcomes:
        c = counts[probability_band(p)]
        c[0 if contacted else 2] += 1
        c[1 if contacted else 3] += int(renewed)
    contacted_total = sum(c[0] for c in counts.values())
    uncontacted_total = sum(c[2] for c in counts.values())
    if contacted_total < min_contacts or uncontacted_total < min_contacts:
        return None
    lifts = {}
    for band, (n_c, r_c, n_u, r_u) in counts.items():
        if n_c == 0 or n_u == 0:
            lifts[band] = Decimal("0")
            continue
        diff = Decimal(r_c) / n_c - Decimal(r_u) / n_u
        lifts[band] = min(Decimal("0.5"), max(Decimal("0"), diff)).quantize(FOUR)
    return lifts


def priority(stake: Decimal, lift: Decimal) -> Decimal:
    return (stake * lift).quantize(CENT)


# ----------------------------------------------------------------------------- calls


@dataclass(frozen=True)
class Violation:
    rule: str
    message: str


def local_time(customer: Customer, now: dt.datetime, conf: RenewalSettings) -> dt.datetime:
    zone = conf.by_province(conf.province_time_zones, customer.province, "Asia/Shanghai")
    return now.astimezone(zoneinfo.ZoneInfo(zone))


def day_start(customer: Customer, now: dt.datetime, conf: RenewalSettings) -> dt.datetime:
    """Midnight of the customer's local day (the daily attempt cap counts from it)."""
    return local_time(customer, now, conf).replace(hour=0, minute=0, second=0, microsecond=0)


def calling_hours(customer: Customer, conf: RenewalSettings) -> tuple[dt.time, dt.time]:
    hours = conf.city_call_hours.get(customer.city)
    if hours:
        return dt.time.fromisoformat(hours[0]), dt.time.fromisoformat(hours[1])
    return conf.call_start, conf.call_end


def asked_for_now(task: RenewalTask, now: dt.datetime) -> bool:
    """A call-back the customer asked for, due within a quarter of an hour."""
    return (
        task.customer_asked
        and task.status == Status.CALLBACK
        and task.due_at is not None
        and abs((task.due_at - now).total_seconds()) <= 15 * 60
    )


def violations(
    task: RenewalTask,
    customer: Customer,
    now: dt.datetime,
    conf: RenewalSettings,
    *,
    unanswered_today: int,
    recent_contacts: int,
    phone_consent: bool,
) -> list[Violation]:
    """Every rule a call on ``task`` to ``customer`` would break at ``now``;
    ``unanswered_today`` counts the customer's unanswered attempts since local midnight
    (``day_start``), ``recent_contacts`` their contacts from every channel in the last
    ``contact_cap_days``, ``phone_consent`` whether the customer consents to marketing by
    phone call (``parties.consent``; SMS or WeChat consent does not open the phone). A
    customer whose processing is restricted is not called for a sale at all; a call-back the
    customer asked for is theirs, not marketing."""
    found = []
    local = local_time(customer, now, conf)
    start, end = calling_hours(customer, conf)
    if not (start <= local.time() < end) and not asked_for_now(task, now):
        found.append(
            Violation(
                Rule.CALLING_HOURS,
                f"客户当地时间 {local:%H:%M}，仅可在 {start:%H:%M}–{end:%H:%M} 呼叫 / "
                f"customer's local time is {local:%H:%M}; calls only {start:%H:%M}–{end:%H:%M}",
            )
        )
    today = local.date()
    if customer.do_not_call_until and customer.do_not_call_until >= today:
        found.append(
            Violation(
                Rule.DO_NOT_CALL,
                f"客户在免打扰名单至 {customer.do_not_call_until} / "
                f"customer is on the do-not-call list until {customer.do_not_call_until}",
            )
        )
    if customer.restricted_at is not None and not task.customer_asked:
        found.append(
            Violation(
                Rule.NO_CONSENT,
                "客户个人信息已限制处理，不得营销呼叫，请改用续保通知 / the customer's data is "
                "restricted: no sales calls; send the renewal notice instead",
            )
        )
    elif conf.renewal_calls_need_consent and not phone_consent and not task.customer_asked:
        found.append(
            Violation(
                Rule.NO_CONSENT,
                "客户未明示同意营销联系（电话），请改用续保通知或等待客户来电 / no explicit "
                "consent to marketing by phone call: send the renewal notice instead or wait for "
                "the customer to call",
            )
        )
    earliest = task.expiry_date - dt.timedelta(days=conf.earliest_call_days)
    if today < earliest and not task.customer_asked:
        found.append(
            Violation(
                Rule.TOO_EARLY,
                f"到期前{conf.earliest_call_days}天内方可呼出，最早 {earliest} / renewal calls "
                f"start {conf.earliest_call_days} days before expiry, on {earliest}",
            )
        )
    if task.attempts >= conf.attempts_per_renewal:
        found.append(
            Violation(
                Rule.RENEWAL_ATTEMPTS,
                f"本续保已呼叫 {task.attempts} 次（上限 {conf.attempts_per_renewal}）/ "
                f"{task.attempts} attempts on this renewal (limit {conf.attempts_per_renewal})",
            )
        )
    if unanswered_today >= conf.unanswered_per_day:
        found.append(
            Violation(
                Rule.DAILY_ATTEMPTS,
                f"今日已有 {unanswered_today} 次未接通（上限 {conf.unanswered_per_day}）/ "
                f"{unanswered_today} unanswered attempts today (limit {conf.unanswered_per_day})",
            )
        )
    if recent_contacts >= conf.contact_cap:
        found.append(
            Violation(
                Rule.CONTACT_CAP,
                f"近{conf.contact_cap_days}天各渠道已联系 {recent_contacts} 次（上限 {conf.contact_cap}）/ "
                f"{recent_contacts} contacts from all channels in {conf.contact_cap_days} days "
                f"(limit {conf.contact_cap})",
            )
        )
    return found
