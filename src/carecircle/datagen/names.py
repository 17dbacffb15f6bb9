"""Chinese personal and company names, vectorised."""

from __future__ import annotations

import numpy as np
import polars as pl

from .frames import pick
from .reference import COMPANY_TRADES, COMPANY_WORDS, GIVEN_FEMALE, GIVEN_MALE, SURNAMES

_SURNAME_TEXT = [s for s, _ in SURNAMES]
_SURNAME_P = np.array([w for _, w in SURNAMES], dtype=float)
_SURNAME_P /= _SURNAME_P.sum()


def person_names(rng: np.random.Generator, male: np.ndarray) -> pl.Series:
    """Surname by census frequency, then one (35%) or two given-name characters."""
    n = len(male)
    surname = pick(_SURNAME_TEXT, rng.choice(len(_SURNAME_TEXT), size=n, p=_SURNAME_P))
    pool_m, pool_f = list(GIVEN_MALE), list(GIVEN_FEMALE)
    first_m = pick(pool_m, rng.integers(0, len(pool_m), n))
    first_f = pick(pool_f, rng.integers(0, len(pool_f), n))
    second_m = pick(pool_m, rng.integers(0, len(pool_m), n))
    second_f = pick(pool_f, rng.integers(0, len(pool_f), n))
    male_s = pl.Series(male)
    first = pl.select(pl.when(male_s).then(first_m).otherwise(first_f)).to_series()
    second = pl.select(pl.when(male_s).then(second_m).otherwise(second_f)).to_series()
    single = pl.Series(rng.random(n) < 0.35)
    second = pl.select(pl.when(single).then(pl.lit("")).otherwise(second)).to_series()
    return surname + first + second


def company_names(rng: np.random.Generator, city_short: pl.Series) -> pl.Series:
    n = len(city_short)
    word = pick(COMPANY_WORDS, rng.integers(0, len(COMPANY_WORDS), n))
    trade = pick(COMPANY_TRADES, rng.integers(0, len(COMPANY_TRADES), n))
    return city_short + word + trade + "有限公司"
