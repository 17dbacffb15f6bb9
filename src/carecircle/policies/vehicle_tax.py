"""Vehicle and vessel tax (车船税) the insurer collects with 交强险 (DOMAIN.md, docs/domain.md).

Pure: no database access. Passenger cars of at most 9 seats pay a yearly amount by engine
size; the law fixes a national band per size and each province an amount inside it (a
*setting*: a default schedule and overrides by province, each checked against the band).
Battery-electric and fuel-cell cars are exempt (a *setting*: the exempt power sources). A new
car pays from the month it was bought or registered to the end of that year
(annual ÷ 12 × months, 车船税法实施条例 art. 19).

An unknown engine size is a DomainError (``engine_size_unknown``), not a guessed band: the
wrong band would collect the wrong tax from the customer and misstate what the insurer
remits; the quote shows the gap and still quotes 交强险 (never refused).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from carecircle.core.conf import AppSettings
from carecircle.core.errors import DomainError
from carecircle.core.money import to_money

MAX_PASSENGER_SEATS = 9
# (upper engine size in litres, inclusive; None = above the last) and the national band.
BANDS: tuple[tuple[Decimal | None, Decimal, Decimal], ...] = (
    (Decimal("1.0"), Decimal("60"), Decimal("360")),
    (Decimal("1.6"), Decimal("300"), Decimal("540")),
    (Decimal("2.0"), Decimal("360"), Decimal("660")),
    (Decimal("2.5"), Decimal("660"), Decimal("1200")),
    (Decimal("3.0"), Decimal("1200"), Decimal("2400")),
    (Decimal("4.0"), Decimal("2400"), Decimal("3600")),
    (None, Decimal("3600"), Decimal("5400")),
)
DEFAULTS: dict[str, Any] = {
    # Yearly amount per band (same order as BANDS) where a province has no schedule here: a
    # schedule many provinces publish. Verify against each province's own notice.
    "VEHICLE_TAX_DEFAULT": ("180", "360", "420", "720", "1800", "3000", "4500"),
    # Province (short name, matched as a prefix of the customer's province) → its schedule.
    "VEHICLE_TAX_BY_PROVINCE": {
        "北京": ("300", "420", "480", "900", "1920", "3480", "5280"),
    },
    "VEHICLE_TAX_EXEMPT_ENERGIES": ("battery_electric", "fuel_cell"),
}
SETTINGS = AppSettings(None, DEFAULTS)


def band_index(displacement: Decimal | None) -> int:
    if displacement is None:
        raise DomainError(
            "engine_size_unknown",
            "排量未登记，无法计算车船税 / the engine size is not recorded, so the vehicle tax "
            "cannot be worked out",
            "displacement",
        )
    if displacement <= 0:
        raise DomainError(
            "engine_size", "排量须为正 / engine size must be positive", "displacement"
        )
    return next(
        i for i, (upper, _, _) in enumerate(BANDS) if upper is None or displacement <= upper
    )


def check_schedule(schedule: Sequence[Any], where: str = "") -> tuple[Decimal, ...]:
    """A province's schedule: one amount per band, each inside the national band."""
    if len(schedule) != len(BANDS):
        raise DomainError(
            "vehicle_tax_schedule",
            f"{where}车船税表须有 {len(BANDS)} 档 / a vehicle tax schedule has {len(BANDS)} bands",
        )
    amounts = tuple(Decimal(str(a)) for a in schedule)
    for amount, (upper, low, high) in zip(amounts, BANDS, strict=True):
        if not low <= amount <= high:
            size = f"≤{upper} L" if upper is not None else ">4.0 L"
            raise DomainError(
                "vehicle_tax_band",
                f"{where}{size} 档税额 {amount} 超出国家幅度 [{low}, {high}] / the {size} amount "
                f"{amount} is outside the national band {low}–{high}",
            )
    return amounts


def schedule_for(
    province: str,
    default: Sequence[Any] | None = None,
    by_province: Mapping[str, Sequence[Any]] | None = None,
) -> tuple[Decimal, ...]:
    default = SETTINGS.get("VEHICLE_TAX_DEFAULT") if default is None else default
    by_province = SETTINGS.get("VEHICLE_TAX_BY_PROVINCE") if by_province is None else by_province
    province = (province or "").strip()
    for name, schedule in by_province.items():
        if province.startswith(name):
            return check_schedule(schedule, f"{name} ")
    return check_schedule(default)


def in_scope(seats: int) -> bool:
    """Passenger cars of at most 9 seats; larger vehicles are taxed per vehicle (not here)."""
    return seats <= MAX_PASSENGER_SEATS


def exempt(energy: str, exempt_energies: Sequence[str] | None = None) -> bool:
    energies = (
        SETTINGS.get("VEHICLE_TAX_EXEMPT_ENERGIES") if exempt_energies is None else exempt_energies
    )
    return energy in energies


def months_due(tax_year: int, acquired: dt.date | None) -> int:
    """Months of ``tax_year`` the car owes: all 12, or from the month it was acquired."""
    if acquired is None or acquired.year < tax_year:
        return 12
    if acquired.year > tax_year:
        return 0
    return 13 - acquired.month


def annual_tax(
    displacement: Decimal | None, province: str, schedule: Sequence[Any] | None = None
) -> Decimal:
    amounts = check_schedule(schedule) if schedule is not None else schedule_for(province)
    return amounts[band_index(displacement)]


def vehicle_tax(
    *,
    displacement: Decimal | None,
    energy: str,
    seats: int,
    province: str,
    tax_year: int,
    acquired: dt.date | None = None,
    schedule: Sequence[Any] | None = None,
    exempt_energies: Sequence[str] | None = None,
) -> Decimal:
    """The tax collected with a 交强险 starting in ``tax_year``: 0 for exempt power sources,
    the province's amount for the band, pro rata by month for a car acquired that year."""
    if not in_scope(seats):
        raise DomainError(
            "vehicle_tax_scope",
            f"{seats} 座车辆不按乘用车排量计税 / a {seats}-seat vehicle is not taxed as a "
            "passenger car by engine size",
            "seats",
        )
    if exempt(energy, exempt_energies):
        return to_money(0)
    annual = annual_tax(displacement, province, schedule)
    return to_money(annual * months_due(tax_year, acquired) / 12)
