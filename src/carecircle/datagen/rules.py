"""Pricing rules the generator applies, vectorised, from the app's own rule modules so the book
and the quote cannot disagree (DOMAIN.md, post-2020 reform):

- NCD level: ``policies.ncd.ncd_levels`` (the one rule; the generator keeps no copy).
- 交强险 = base (``policies.compulsory`` base table by use and seats) × (1 + A), A from the one
  region table and last year's at-fault and fatal accidents or the years without one.
- 车船税 (``policies.vehicle_tax``): the province's amount for the engine band, exempt power
  sources pay nothing, a car registered in the tax year pays from that month.
"""

from __future__ import annotations

import numpy as np

from carecircle.policies import compulsory, vehicle_tax
from carecircle.policies.ncd import ladder_for, ncd_levels

from .reference import CITIES, ENERGIES

__all__ = [
    "CITY_GROUP",
    "PRICING_COEFFICIENT_BAND",
    "compulsory_base",
    "compulsory_factor",
    "ncd_ladder",
    "ncd_levels",
    "vehicle_taxes",
]

PRICING_COEFFICIENT_BAND = (0.5, 1.5)
# Each generated city's floating-rate group, from the one region table.
CITY_GROUP = np.array([compulsory.region_group(c.province, c.name) for c in CITIES])
_DISCOUNTS = np.array([[float(d) for d in compulsory.CLAIM_FREE_DISCOUNTS[g]] for g in "ABCDE"])


def ncd_ladder(levels: np.ndarray) -> np.ndarray:
    """The default ladder's coefficient for each level (the levels come from ``ncd_levels``
    on the default rules, so every level is on it)."""
    ladder = ladder_for()
    low = min(ladder)
    table = np.array([float(ladder[k]) for k in range(low, max(ladder) + 1)])
    return table[levels - low]


def compulsory_factor(
    group: np.ndarray, at_fault: np.ndarray, fatal: np.ndarray, insured: np.ndarray
) -> np.ndarray:
    """(1 + A) per row. ``at_fault``/``fatal``/``insured`` are (n, years) with the year just
    before the new policy last: at-fault accidents, fatal at-fault accidents, 交强险 in force."""
    n, years = at_fault.shape
    if years == 0:
        return np.ones(n)
    has = insured[:, -1]
    last = np.where(has, at_fault[:, -1], 0)
    clean = np.zeros(n, dtype=np.int64)
    going = np.ones(n, dtype=bool)
    for back in range(1, min(years, 3) + 1):
        going &= insured[:, -back] & (at_fault[:, -back] == 0)
        clean += going
    group_index = np.searchsorted(np.array(list("ABCDE")), group)
    a = np.where(clean > 0, _DISCOUNTS[group_index, np.clip(clean, 1, 3) - 1], 0.0)
    a = np.where(last >= 1, float(compulsory.ONE_AT_FAULT), a)
    a = np.where(last >= 2, float(compulsory.TWO_OR_MORE_AT_FAULT), a)
    a = np.where(has & (fatal[:, -1] > 0), float(compulsory.FATAL_AT_FAULT), a)
    return 1.0 + a


def compulsory_base(seats: np.ndarray, use: np.ndarray) -> np.ndarray:
    """Base compulsory premium per row from the configured table (``use`` as text)."""
    table = compulsory.base_table()
    out = np.zeros(len(seats))
    for name, rows in table.items():
        mine = use == name
        if not mine.any():
            continue
        bounds = [b for b, _ in rows]
        amounts = [float(a) for _, a in rows]
        out = np.where(
            mine, np.select([seats < b for b in bounds[:-1]], amounts[:-1], amounts[-1]), out
        )
    return out


def vehicle_taxes(
    city: np.ndarray,
    displacement: np.ndarray,
    energy: np.ndarray,
    seats: np.ndarray,
    effective: np.ndarray,
    first_registration: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """(tax, known) per row for 交强险 starting on ``effective`` (day numbers); ``known`` is
    False where the tax is not the passenger-car rule's (over 9 seats)."""
    schedules = np.array([[float(a) for a in vehicle_tax.schedule_for(c.province)] for c in CITIES])
    uppers = np.array([float(u) for u, _, _ in vehicle_tax.BANDS if u is not None])
    band = np.searchsorted(uppers, np.nan_to_num(displacement, nan=1.0) - 1e-9, side="left")
    annual = schedules[city, band]
    year = np.asarray(effective, dtype="datetime64[D]").astype("datetime64[Y]")
    reg = np.asarray(first_registration, dtype="datetime64[D]")
    same_year = reg.astype("datetime64[Y]") == year
    month = reg.astype("datetime64[M]").astype(np.int64) % 12 + 1
    months = np.where(same_year, 13 - month, 12)
    exempt_energies = list(vehicle_tax.SETTINGS.get("VEHICLE_TAX_EXEMPT_ENERGIES"))
    exempt = np.isin(np.array(ENERGIES), exempt_energies)[energy]
    tax = np.where(exempt, 0.0, np.round(annual * months / 12, 2))
    return tax, seats <= vehicle_tax.MAX_PASSENGER_SEATS
