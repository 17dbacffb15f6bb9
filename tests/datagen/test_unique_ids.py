"""#21: the generated book gives every person a resident ID number of their own (the importer
now rejects a duplicate, as the API does). Ages were clipped at 20, which piled about 2 % of
the customers on one birthday — more than a district's sequence codes keep apart."""

from __future__ import annotations

import numpy as np

from carecircle.datagen.customers import adult_ages


def test_no_birthday_holds_a_pile_of_customers_and_ages_stay_adult():
    ages = adult_ages(np.random.default_rng(3), 100_000)
    assert ages.min() >= 20 and ages.max() <= 80
    days = (ages * 365.25).astype(np.int64)
    _, counts = np.unique(days, return_counts=True)
    # About 7 a day on average over 60 years; the old clip put ~2,300 on the 20th birthday.
    assert counts.max() < 40
    assert abs(float(np.mean(ages)) - 42) < 0.5
