"""Screening decisions: fast-track eligibility and the fraud and leakage signals that route a
claim to a person (they decide nothing by themselves). Pure."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

# ---- fast track -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FastTrackFacts:
    amount: Decimal
    injury: bool
    liability_clear: bool
    open_flags: int
    tier: str  # "" when the value engine has not run


@dataclass(frozen=True)
class FastTrackPolicy:
    max_amount: Decimal
    allowed_tiers: frozenset[str]
    tier_max_amounts: dict[str, Decimal]
    require_clear_liability: bool = True


def fast_track_limit(tier: str, p: FastTrackPolicy) -> Decimal:
    return max(p.max_amount, p.tier_max_amounts.get(tier, p.max_amount))


def fast_track_refusals(f: FastTrackFacts, p: FastTrackPolicy) -> list[str]:
    """Empty when the claim may go the fast track; otherwise the reasons it may not."""
    out = []
    limit = fast_track_limit(f.tier, p)
    if f.amount > limit:
        out.append(f"金额 {f.amount} 超过快赔上限 {limit} / amount above the fast-track limit")
    if f.injury:
        out.append("涉及人伤 / injury involved")
    if p.require_clear_liability and not f.liability_clear:
        out.append("责任未明确 / liability not clear")
    if f.open_flags:
        out.append(f"{f.open_flags} 个风险提示待复核 / review flags open")
    if (f.tier or "standard") not in p.allowed_tiers:
        out.append(f"客户等级 {f.tier} 不在快赔范围 / customer tier not allowed")
    return out


# ---- fraud and leakage signals --------------------------------------------------------------


@dataclass(frozen=True)
class FraudFacts:
    accident_at: dt.datetime  # local time
    policy_effective: dt.date
    cover_increased_on: dt.date | None  # when the vehicle-damage limit last went up
    single_vehicle: bool
    amount: Decimal
    thresholds: tuple[Decimal, ...]  # fast-track and authority limits
    same_shop_claims: int  # this customer's claims at the chosen shop in the window


@dataclass(frozen=True)
class FraudSettings:
    early_days: int = 30
    same_shop_claims: int = 3
    night_hours: tuple[int, int] = (22, 5)
    just_under_share: Decimal = Decimal("0.05")


def fraud_signals(f: FraudFacts, s: FraudSettings) -> list[tuple[str, str]]:
    """(code, reason) per signal. Signals route a claim to a person; they decide nothing."""
    out: list[tuple[str, str]] = []
    day = f.accident_at.date()
    if 0 <= (day - f.policy_effective).days < s.early_days:
        out.append(
            (
                "soon_after_inception",
                f"起保后 {(day - f.policy_effective).days} 天出险 / accident "
                f"{(day - f.policy_effective).days} days after the policy started",
            )
        )
    if f.cover_increased_on and 0 <= (day - f.cover_increased_on).days < s.early_days:
        out.append(
            (
                "soon_after_cover_increase",
                f"加保后 {(day - f.cover_increased_on).days} 天出险 / accident soon after the "
                "cover was increased",
            )
        )
    start, end = s.night_hours
    hour = f.accident_at.hour
    if f.single_vehicle and (hour >= start or hour < end):
        out.append(
            ("night_single_vehicle", f"夜间 {hour}:00 单车事故 / single-vehicle accident at night")
        )
    if f.same_shop_claims >= s.same_shop_claims:
        out.append(
            (
                "repeated_shop",
                f"同一修理厂已有 {f.same_shop_claims} 笔赔案 / {f.same_shop_claims} claims of "
                "this customer at the same shop",
            )
        )
    for t in f.thresholds:
        if t * (1 - s.just_under_share) <= f.amount < t:
            out.append(
                (
                    "just_under_threshold",
                    f"金额 {f.amount} 略低于 {t} / amount just under the {t} threshold",
                )
            )
            break
    return out
