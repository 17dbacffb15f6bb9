"""Small books with known true effects, for tests that must know the right answer."""

from __future__ import annotations

import numpy as np
import polars as pl

TRUE_BASE_FREQUENCY = 0.10
TRUE_AGE_RELATIVITY = {"young": 2.0, "middle": 1.0, "old": 0.7}
TRUE_DIESEL_RELATIVITY = 1.3


def poisson_book(rows: int = 40_000, seed: int = 7) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    age_band = rng.choice(["young", "middle", "old"], size=rows, p=[0.2, 0.5, 0.3])
    fuel = rng.choice(["gasoline", "diesel"], size=rows, p=[0.6, 0.4])
    expo = rng.uniform(0.2, 1.0, size=rows)
    frequency = (
        TRUE_BASE_FREQUENCY
        * np.vectorize(TRUE_AGE_RELATIVITY.get)(age_band)
        * np.where(fuel == "diesel", TRUE_DIESEL_RELATIVITY, 1.0)
    )
    nclaims = rng.poisson(frequency * expo)
    amount = np.where(nclaims > 0, rng.gamma(2.0, 500.0, size=rows) * nclaims, 0.0)
    return pl.DataFrame(
        {
            "age_band": age_band,
            "fuel": fuel,
            "driver_age": np.where(age_band == "young", 22, np.where(age_band == "old", 70, 45)),
            "expo": expo,
            "nclaims": nclaims,
            "amount": amount,
        }
    )


def renewal_book(rows: int = 5_000, seed: int = 3) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    premium_change = rng.uniform(0.8, 1.4, size=rows)
    channel = rng.choice(["agent", "direct", "4s"], size=rows)
    eta = 2.0 - 3.0 * (premium_change - 1.0) + np.where(channel == "4s", 0.5, 0.0)
    renewed = rng.uniform(size=rows) < 1 / (1 + np.exp(-eta))
    return pl.DataFrame(
        {
            "premium_change": premium_change,
            "channel": channel,
            "renewed": renewed.astype(np.int8),
        }
    )
