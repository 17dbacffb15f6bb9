"""Compulsory motor insurance (交强险): premium = base × (1 + A) (DOMAIN.md, docs/domain.md).

Pure: no database access. The one region table (province → floating-rate group A–E) and the
one base-premium table by vehicle use and seats live here; the quote, the generator and the
calculator all read them from this module. A compulsory renewal is never refused: nothing here
takes a customer's tier or a black/grey list.

- Base by use and seats (2008 table, a *setting*): family car <6 seats ¥950, ≥6 ¥1,100;
  company non-operating <6 ¥1,000, 6–9 ¥1,130, 10–19 ¥1,220, ≥20 ¥1,270; operating
  (taxi/rental) <6 ¥1,800, 6–9 ¥2,360, 10–19 ¥2,400, 20–35 ¥2,560, ≥36 ¥3,530. The table's
  "6–10 seats" means 6 up to (not including) 10. Ride-hailing (网约车) is priced as taxi/rental:
  a car doing ride-hailing must be registered as 预约出租客运 (an operating use).
- Floating rate A (region group, the previous policy years newest first): an at-fault
  accident with a death last year +30 %; two or more at-fault accidents last year +10 %; one
  (non-fatal) 0 %; otherwise 1 / 2 / ≥3 years without an at-fault accident give the group's
  discount; no previous year (new car, first policy) 0 %. Only the highest applies; accidents
  where the insured was not at fault do not count.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from carecircle.core.conf import AppSettings
from carecircle.core.errors import DomainError
from carecircle.core.money import to_money

GROUPS = ("A", "B", "C", "D", "E")
# Provinces by short name (a customer's province is matched by prefix: 内蒙古自治区 → 内蒙古).
REGION_GROUPS: Mapping[str, str] = {
    **dict.fromkeys(("内蒙古", "海南", "青海", "西藏"), "A"),
    **dict.fromkeys(("陕西", "云南", "广西"), "B"),
    **dict.fromkeys(("甘肃", "吉林", "山西", "黑龙江", "新疆"), "C"),
    **dict.fromkeys(("北京", "天津", "河北", "宁夏"), "D"),
}
# Every other province and the separately listed cities (计划单列市) are group E. The cities
# are named so a city's own group wins over its province's if the table ever differs.
SEPARATE_CITIES: Mapping[str, str] = dict.fromkeys(("大连", "青岛", "宁波", "厦门", "深圳"), "E")
OTHER_GROUP = "E"
# Discount for 1 / 2 / ≥3 years without an at-fault accident, by group.
CLAIM_FREE_DISCOUNTS: Mapping[str, tuple[Decimal, Decimal, Decimal]] = {
    group: (Decimal(one), Decimal(two), Decimal(three))
    for group, (one, two, three) in {
        "A": ("-0.30", "-0.40", "-0.50"),
        "B": ("-0.25", "-0.35", "-0.45"),
        "C": ("-0.20", "-0.30", "-0.40"),
        "D": ("-0.15", "-0.25", "-0.35"),
        "E": ("-0.10", "-0.20", "-0.30"),
    }.items()
}
ONE_AT_FAULT = Decimal("0")
TWO_OR_MORE_AT_FAULT = Decimal("0.10")
FATAL_AT_FAULT = Decimal("0.30")
LOWEST, HIGHEST = Decimal("-0.50"), FATAL_AT_FAULT
# The commission (手续费) an intermediary or agent may be paid on 交强险: at most 4 % of the
# premium (原保监会《关于加强机动车交通事故责任强制保险手续费管理的通知》); the law's figure, not
# a setting. Read by ecosystem.commissions (ADR 0017).
COMMISSION_CAP = Decimal("0.04")

# Use → [(seats below, base)], the last row's bound None (every larger car).
BaseTable = Mapping[str, Sequence[tuple[int | None, str]]]
TAXI_RENTAL: list[tuple[int | None, str]] = [
    (6, "1800"),
    (10, "2360"),
    (20, "2400"),
    (36, "2560"),
    (None, "3530"),
]
DEFAULTS: dict[str, Any] = {
    "COMPULSORY_BASE_PREMIUMS": {
        "household": [(6, "950"), (None, "1100")],
        "non_operating": [(6, "1000"), (10, "1130"), (20, "1220"), (None, "1270")],
        "operating": TAXI_RENTAL,
        "ride_hailing": TAXI_RENTAL,  # 网约车 is registered as 预约出租客运 (taxi/rental)
    },
    # A compulsory claim whose liability was never recorded counts as at fault: a 交强险
    # payment on the insured's own policy is almost always for harm the insured caused.
    "COMPULSORY_UNKNOWN_LIABILITY_AT_FAULT": True,
}
# Top level of settings.CARECIRCLE, like the other book-wide rating figures.
SETTINGS = AppSettings(None, DEFAULTS)


@dataclass(frozen=True)
class CompulsoryYear:
    """One previous compulsory policy year: its at-fault accidents and how many of them
    killed someone (accidents where the insured was not at fault are left out)."""

    at_fault: int = 0
    fatal: int = 0

    def __post_init__(self) -> None:
        if self.at_fault < 0 or self.fatal < 0 or self.fatal > self.at_fault:
            raise DomainError(
                "compulsory_year",
                "事故次数不能为负，致死事故不能多于有责事故 / accident counts cannot be negative "
                "and fatal accidents are among the at-fault ones",
            )


def region_group(province: str, city: str = "") -> str:
    """The floating-rate group of a province (full or short name) or separately listed city."""
    city = (city or "").strip()
    for name, group in SEPARATE_CITIES.items():
        if city.startswith(name):
            return group
    province = (province or "").strip()
    for name, group in REGION_GROUPS.items():
        if province.startswith(name):
            return group
    return OTHER_GROUP


def floating_rate(group: str, years: Sequence[CompulsoryYear]) -> Decimal:
    """A for the next policy from the previous years, newest first (empty: no record → 0)."""
    if group not in CLAIM_FREE_DISCOUNTS:
        raise DomainError("region_group", "地区组须为 A–E / region group must be A to E")
    if not years:
        return Decimal("0")
    last = years[0]
    if last.fatal:
        return FATAL_AT_FAULT
    if last.at_fault >= 2:
        return TWO_OR_MORE_AT_FAULT
    if last.at_fault == 1:
        return ONE_AT_FAULT
    clean = 0
    for year in years[:3]:
        if year.at_fault:
            break
        clean += 1
    return CLAIM_FREE_DISCOUNTS[group][clean - 1]


def base_table(table: BaseTable | None = None) -> dict[str, list[tuple[int | None, Decimal]]]:
    """The configured base premiums as Decimals, each use's rows checked to end open."""
    raw = table if table is not None else SETTINGS.get("COMPULSORY_BASE_PREMIUMS")
    out: dict[str, list[tuple[int | None, Decimal]]] = {}
    for use, rows in raw.items():
        parsed = [
            (None if bound is None else int(bound), Decimal(str(base))) for bound, base in rows
        ]
        if not parsed or parsed[-1][0] is not None:
            raise DomainError(
                "compulsory_base",
                f"{use} 的交强险基础保费表须以不限座位的一行结束 / the base table for {use} "
                "must end with a row for every larger car",
            )
        out[use] = parsed
    return out


def base_premium(use: str, seats: int, table: BaseTable | None = None) -> Decimal:
    """The 交强险 base premium for a vehicle's use and seats."""
    rows = base_table(table).get(use)
    if rows is None:
        raise DomainError(
            "vehicle_use",
            f"没有使用性质 {use} 的交强险基础保费 / no compulsory base premium for use {use!r}",
            "use",
        )
    if seats < 1:
        raise DomainError("seats", "座位数须为正 / seats must be positive", "seats")
    return next(base for bound, base in rows if bound is None or seats < bound)


def premium(base: Decimal, rate: Decimal) -> Decimal:
    return to_money(base * (1 + rate))
