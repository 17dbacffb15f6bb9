"""清分: each renewal's segment and priority = expected value of working it.

Pure functions over plain values so the pipeline, the simulation benchmark and the tests
share them. Priority = value at stake × contact lift, where the lift is how much a contact
raises the chance of renewal over not calling (history when there is enough of it, else
``k·p·(1−p)``: customers sure to renew or sure to leave gain little from a call).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from .models import Segment

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
