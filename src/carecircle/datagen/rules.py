"""Pricing rules the generator applies (DOMAIN.md, post-2020 reform), scalar and vectorised.

- NCD level = claims in the look-back (at most 3 insured years) − consecutive claim-free
  insured years (counted up to 4), clipped to −4…+5; no prior insured year → 0.
- Compulsory premium = base (950 below 6 seats, 1,100 from 6) × (1 + A), A from the region
  group and the previous years' at-fault claims.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .reference import COMPULSORY_DISCOUNT

NCD_LEVELS = tuple(range(-4, 6))
NCD_COEFFICIENTS = (0.5, 0.6, 0.7, 0.8, 1.0, 1.2, 1.4, 1.6, 1.8, 2.0)
NCD_LADDER = np.array(NCD_COEFFICIENTS)
PRICING_COEFFICIENT_BAND = (0.5, 1.5)
LOOK_BACK_YEARS = 3
MAX_CLAIM_FREE_YEARS = 4


def ncd_level(claims_per_year: Sequence[int]) -> int:
    """NCD level for the next policy from claim counts of prior insured years (oldest first)."""
    if not claims_per_year:
        return 0
    claim_free = 0
    for count in reversed(claims_per_year):
        if count or claim_free == MAX_CLAIM_FREE_YEARS:
            break
        claim_free += 1
    in_look_back = sum(claims_per_year[-LOOK_BACK_YEARS:])
    return max(-4, min(5, in_look_back - claim_free))


def ncd_coefficient(level: int) -> float:
    return NCD_COEFFICIENTS[level + 4]


def ncd_levels(claims: np.ndarray, insured: np.ndarray) -> np.ndarray:
    """Vectorised ``ncd_level``: ``claims``/``insured`` are (n, years) with the year just
    before the new policy last. Years before the most recent uninsured year are ignored
    (a gap in cover breaks the look-back)."""
    n, years = claims.shape
    level = np.zeros(n, dtype=np.int64)
    claim_free = np.zeros(n, dtype=np.int64)
    counting = np.ones(n, dtype=bool)
    in_look_back = np.zeros(n, dtype=np.int64)
    history = np.ones(n, dtype=bool)
    for back in range(1, years + 1):
        col = years - back
        history &= insured[:, col]
        c = np.where(history, claims[:, col], 0)
        counting &= history & (c == 0) & (claim_free < MAX_CLAIM_FREE_YEARS)
        claim_free += counting
        if back <= LOOK_BACK_YEARS:
            in_look_back += c
    level = np.clip(in_look_back - claim_free, -4, 5)
    level[~insured[:, -1]] = 0
    return level


def compulsory_factor(
    group: np.ndarray, claim_free_years: np.ndarray, last_year_claims: np.ndarray
) -> np.ndarray:
    """(1 + A) for each row; ``group`` holds region-group letters, ``claim_free_years`` the
    consecutive claim-free insured years (0 = new or claimed last year)."""
    table = np.array([COMPULSORY_DISCOUNT[g] for g in "ABCDE"])
    group_index = np.searchsorted(np.array(list("ABCDE")), group)
    years = np.clip(claim_free_years, 1, 3) - 1
    discount = table[group_index, years]
    a = np.where(claim_free_years > 0, discount, 0.0)
    a = np.where(last_year_claims >= 2, 0.10, a)
    return 1.0 + a


def compulsory_base(seats: np.ndarray, use: np.ndarray) -> np.ndarray:
    """Base compulsory premium by use and seats (household 950/1,100; company 1,000/1,130;
    operating 1,800/2,360)."""
    small = seats < 6
    household = np.where(small, 950.0, 1100.0)
    company = np.where(small, 1000.0, 1130.0)
    operating = np.where(small, 1800.0, 2360.0)
    return np.select([use == "non_operating", use == "operating"], [company, operating], household)
