"""Pure commission rules (no database): the caps, the customer's segment, the loss-ratio
band, the rate a policy earns with its reasons in words, the worst case of a schedule, and
the amounts with their rounding. docs/commissions.md, ADR 0017.

Rounding: every line is rounded once, to the cent, half up (``core.money.to_money``):
commission = premium × rate, clawback = −(premium refunded × the same rate). A statement's
total is the sum of its lines, so it ties to the policies to the cent.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from carecircle.core.errors import DomainError
from carecircle.core.money import to_money
from carecircle.policies.choices import PolicyKind
from carecircle.policies.compulsory import COMMISSION_CAP

from .choices import Basis, LossBand, Segment

RATE = Decimal("0.0001")  # rates are kept to a hundredth of a percent


def pct(rate: Decimal) -> str:
    """0.035 → "3.5%" (for messages and reasons)."""
    text = f"{(rate * 100).quantize(Decimal('0.01')):f}".rstrip("0").rstrip(".")
    return f"{text}%"


def cap_for(line: str, filed_rates: Mapping[str, str | Decimal], product: str = "") -> Decimal:
    """The highest commission rate ``line`` may be paid: 交强险 the law's 4 %; a commercial
    product the rate filed with it (the setting ``COMMISSION_FILED_RATES``, by product code,
    else by line)."""
    if line == PolicyKind.COMPULSORY:
        return COMMISSION_CAP
    filed = filed_rates.get(product or line, filed_rates.get(line))
    if filed is None:
        raise DomainError(
            "no_filed_rate",
            f"产品 {product or line} 未备案手续费率 / no filed commission rate for {product or line}",
            "line",
        )
    return Decimal(str(filed))


def check_rate(line: str, rate: Decimal, cap: Decimal, field: str = "rate", who: str = "") -> None:
    """Refuse a rate above the line's cap (报行合一) or below zero."""
    if rate < 0:
        raise DomainError(
            "negative_rate", "手续费率不能为负 / a commission rate cannot be negative", field
        )
    if rate > cap:
        label = "交强险" if line == PolicyKind.COMPULSORY else "商业险"
        rule = (
            "交强险手续费不得超过保费的4% / 交强险 commission is capped at 4 % of premium"
            if line == PolicyKind.COMPULSORY
            else f"不得超过备案费率 {pct(cap)} / may not exceed the filed rate {pct(cap)}"
        )
        raise DomainError(
            "commission_over_cap",
            f"{who}{label}手续费率 {pct(rate)} 超限：{rule} / {who}{line} commission rate "
            f"{pct(rate)} refused",
            field,
        )


def check_payee_licence(licensed: bool, what: str = "commission") -> None:
    """Commissions and referral fees go to licensed intermediaries only (保险中介许可)."""
    if not licensed:
        label = "推荐费" if what == "referral_fee" else "手续费"
        raise DomainError(
            "payee_unlicensed",
            f"该合作伙伴无保险中介资质，不得支付{label} / this partner holds no intermediary "
            f"licence: no {what.replace('_', ' ')} may be paid to it",
            what,
        )


# ------------------------------------------------------------------ segment and loss band


def segment_of(renews_id: int | None, first_insured_on: dt.date | None, effective: dt.date) -> str:
    """续保 when the policy renews one of ours; 转保 when the customer was insured before (with
    another insurer, or with us on another vehicle); else 新保."""
    if renews_id:
        return Segment.RENEWAL
    if first_insured_on is not None and first_insured_on < effective:
        return Segment.TRANSFER_IN
    return Segment.NEW


def loss_ratio(paid: Decimal, premium: Decimal) -> Decimal | None:
    if not premium:
        return None
    return (Decimal(paid) / Decimal(premium)).quantize(Decimal("0.001"))


def band_of(ratio: Decimal | None, bands: Mapping[str, str | Decimal]) -> str:
    if ratio is None:
        return LossBand.NONE
    if ratio < Decimal(str(bands["low"])):
        return LossBand.LOW
    if ratio >= Decimal(str(bands["high"])):
        return LossBand.HIGH
    return LossBand.NORMAL


# ------------------------------------------------------------------ the rate


@dataclass(frozen=True)
class Adjustment:
    """One rule of a schedule: when the policy is of ``segment`` ("" any) and ``basis``'s
    loss ratio is in ``band`` ("" any), the rate moves by ``delta`` (± rate points)."""

    delta: Decimal
    reason: str
    segment: str = ""
    basis: str = ""
    band: str = ""

    def applies(self, facts: Facts) -> bool:
        if self.segment and self.segment != facts.segment:
            return False
        if self.band:
            band = facts.customer_band if self.basis == Basis.CUSTOMER else facts.payee_band
            if band != self.band:
                return False
        return True


@dataclass(frozen=True)
class Facts:
    segment: str
    customer_band: str = LossBand.NONE
    payee_band: str = LossBand.NONE


@dataclass(frozen=True)
class Rate:
    rate: Decimal
    reason: str


def rate_for(
    line: str,
    base: Decimal,
    adjustments: Iterable[Adjustment],
    facts: Facts,
    cap: Decimal,
    who: str = "",
) -> Rate:
    """The rate a policy earns: the base plus every adjustment that applies (never below 0),
    with the reason in words; refused above ``cap``."""
    rate = base
    words = [f"基准 {pct(base)} / base {pct(base)}"]
    for adj in adjustments:
        if adj.applies(facts):
            rate += adj.delta
            words.append(f"{adj.reason} {'+' if adj.delta >= 0 else '−'}{pct(abs(adj.delta))}")
    rate = max(rate, Decimal(0)).quantize(RATE)
    check_rate(line, rate, cap, who=who)
    return Rate(rate, "；".join(words))


def worst_case(base: Decimal, adjustments: list[Adjustment]) -> tuple[Decimal, Facts]:
    """The highest rate a schedule can give any policy (every segment × band × band)."""
    bands = list(LossBand.values)
    best: tuple[Decimal, Facts] | None = None
    for segment, cband, pband in itertools.product(Segment.values, bands, bands):
        facts = Facts(segment, cband, pband)
        rate = max(
            base + sum((a.delta for a in adjustments if a.applies(facts)), Decimal(0)), Decimal(0)
        )
        if best is None or rate > best[0]:
            best = (rate, facts)
    assert best is not None
    return best


def check_schedule(line: str, base: Decimal, adjustments: list[Adjustment], cap: Decimal) -> None:
    """A schedule is refused when its base, or its base with the adjustments that can apply
    together, would pay above the cap."""
    check_rate(line, base, cap, field="base_rate")
    top, facts = worst_case(base, adjustments)
    if top > cap:
        try:
            check_rate(line, top, cap, field="adjustments")
        except DomainError as error:
            raise DomainError(
                error.code,
                f"{error.message}（{facts.segment}, 客户 {facts.customer_band}, 渠道 "
                f"{facts.payee_band} 时）/ when the adjustments add up",
                "adjustments",
            ) from None


# ------------------------------------------------------------------ amounts


def commission(premium: Decimal, rate: Decimal) -> Decimal:
    return to_money(premium * rate)


def clawback(refund: Decimal, rate: Decimal) -> Decimal:
    """What a cancellation takes back: the refunded share of the premium at the same rate."""
    return -to_money(refund * rate)
