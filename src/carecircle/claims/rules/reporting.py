"""Reporting a claim (报案) on a vehicle: which of its policies were in force at the accident
(the 商业险 carries the claim, the 交强险 pays first), which coverage the claim is filed under
from what was damaged, and whether the report is late (Art 26: flagged, never refused). Pure."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from carecircle.core.errors import DomainError

COMPULSORY = "compulsory"
COMMERCIAL = "commercial"


@dataclass(frozen=True)
class PolicyTerm:
    """One policy year on the vehicle, as the report needs it."""

    pk: int
    kind: str  # compulsory | commercial
    effective: dt.date
    expiry: dt.date  # exclusive: cover ends at 00:00 that day
    cancelled_on: dt.date | None = None
    customer_id: int | None = None
    partner_id: int | None = None
    policy_no: str = ""
    unit_id: int | None = None  # 机构: the issuing unit, which handles the claim

    @property
    def end(self) -> dt.date:
        return min(self.expiry, self.cancelled_on) if self.cancelled_on else self.expiry

    def covers(self, day: dt.date) -> bool:
        return self.effective <= day < self.end


@dataclass(frozen=True)
class Cover:
    """The vehicle's policies in force at the accident. ``policy`` carries the claim: the
    commercial one when there is one (its 车损险 and 三者险 pay after 交强险), else the 交强险."""

    compulsory: PolicyTerm | None
    commercial: PolicyTerm | None

    @property
    def policy(self) -> PolicyTerm:
        chosen = self.commercial or self.compulsory
        assert chosen is not None  # policies_in_force never builds an empty Cover
        return chosen


@dataclass(frozen=True)
class Damage:
    """What the reporter says was damaged or who was hurt."""

    own_car: bool = True
    other_car: bool = False
    other_property: bool = False
    injured: int = 0
    deaths: int = 0

    @property
    def third_party(self) -> bool:
        return self.other_car or self.other_property or self.injured > 0 or self.deaths > 0


def check_policy_covers(
    accident_on: dt.date, effective: dt.date, expiry: dt.date, cancelled_on: dt.date | None
) -> None:
    """The accident must fall inside the policy period (expiry exclusive, cancellation ends
    it). Refusals name the dates."""
    end = min(expiry, cancelled_on) if cancelled_on else expiry
    if accident_on < effective:
        raise DomainError(
            "before_inception",
            f"出险日 {accident_on} 早于保单起保日 {effective} / the accident on {accident_on} is "
            f"before the policy started on {effective}",
            "accident_at",
        )
    if accident_on >= end:
        raise DomainError(
            "policy_lapsed",
            f"出险日 {accident_on} 保单已失效(保险期间 {effective} 至 {end} 零时) / the policy "
            f"had lapsed on {accident_on}: cover ran from {effective} to {end} (00:00)",
            "accident_at",
        )


def check_accident_dates(accident_on: dt.date, reported_on: dt.date) -> None:
    if accident_on > reported_on:
        raise DomainError(
            "accident_in_future",
            "出险时间不能晚于报案时间 / the accident cannot be after the report",
            "accident_at",
        )


def policies_in_force(accident_on: dt.date, terms: list[PolicyTerm]) -> Cover:
    """The vehicle's 交强险 and 商业险 in force on the accident day (the latest started, if
    two overlap). One kind alone is enough to register the report. None in force: refused as
    ``policy_lapsed`` or ``before_inception`` naming the nearest policy's period (the one that
    ended last before the accident, or the next to start); ``no_policy`` when there is none."""
    in_force = [t for t in terms if t.covers(accident_on)]

    def latest(kind: str) -> PolicyTerm | None:
        found = [t for t in in_force if t.kind == kind]
        return max(found, key=lambda t: (t.effective, t.pk)) if found else None

    cover = Cover(compulsory=latest(COMPULSORY), commercial=latest(COMMERCIAL))
    if cover.compulsory or cover.commercial:
        return cover
    if not terms:
        raise DomainError(
            "no_policy",
            "该车辆在本公司没有保单 / this vehicle has no policy with us",
            "vehicle",
        )
    before = [t for t in terms if t.effective <= accident_on]
    nearest = (
        max(before, key=lambda t: (t.end, t.pk))
        if before
        else min(terms, key=lambda t: (t.effective, t.pk))
    )
    try:
        check_policy_covers(accident_on, nearest.effective, nearest.expiry, nearest.cancelled_on)
    except DomainError as exc:
        raise DomainError(
            exc.code,
            f"出险日 {accident_on} 该车辆没有有效的交强险或商业险；最近的保单 {nearest.policy_no}："
            f"{exc.message}",
            "accident_at",
        ) from None
    raise AssertionError("unreachable: the nearest policy covers the day")  # pragma: no cover


def is_late(accident_on: dt.date, reported_on: dt.date, time_bar_days: int) -> bool:
    """Art 26: a report more than ``time_bar_days`` after the accident. The 2-year limitation is
    the insurer's defence, for a person to weigh: the report is registered and flagged."""
    return (reported_on - accident_on).days > time_bar_days


LATE_REPORT_REASON = (
    "出险 {accident_on} 后 {days} 天报案，超过两年诉讼时效({bar} 天)。依保险法第26条，时效是"
    "抗辩事由而非拒收理由：案件已登记，请人工审核是否主张时效抗辩(中止、中断情形除外)。 / "
    "Reported {days} days after the accident on {accident_on}, past the 2-year limitation "
    "({bar} days). Under Art 26 the limitation is a defence, not a reason to refuse the "
    "report: the claim is registered; a person decides whether to raise it (suspension and "
    "interruption apply)."
)


def late_report_reason(accident_on: dt.date, reported_on: dt.date, time_bar_days: int) -> str:
    days = (reported_on - accident_on).days
    return LATE_REPORT_REASON.format(accident_on=accident_on, days=days, bar=time_bar_days)[:255]


def claim_coverage(damage: Damage, *, compulsory: bool, commercial: bool) -> str:
    """The coverage a claim is filed under, from what was damaged (docs/claims.md):

    - the insured's own car damaged and a 商业险 linked → ``vehicle_damage`` (车损险);
    - otherwise a third party's loss (another car, other property, people hurt or killed) →
      ``compulsory`` when a 交强险 is linked (it pays first), else ``third_party`` (三者险);
    - otherwise (own car only, no 商业险) → ``vehicle_damage``: what was damaged, even if the
      adjustment then finds no cover and says so.
    """
    if damage.own_car and commercial:
        return "vehicle_damage"
    if damage.third_party:
        return "compulsory" if compulsory else "third_party"
    return "vehicle_damage"


# What the reporter says of the liability, as a starting share the handler confirms at the
# survey (责任认定: 全责 / 主责 / 同责 / 次责 / 无责 — the usual proportions).
LIABILITY_SHARES: dict[str, Decimal] = {
    "full": Decimal("1.000"),
    "main": Decimal("0.700"),
    "equal": Decimal("0.500"),
    "minor": Decimal("0.300"),
    "none": Decimal("0.000"),
}
