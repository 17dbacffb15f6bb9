"""The renewal (binomial) GLM on a synthetic book."""

from __future__ import annotations

import numpy as np
import pytest

from carecircle.value.ml import FactorSpec, ModelInputError, RenewalSpec, fit_renewal_model
from carecircle.value.ml.metrics import auc
from tests.value.synthetic import renewal_book

SPEC = RenewalSpec(
    factors=(FactorSpec("premium_change", bins=6), FactorSpec("channel", kind="categorical"))
)


def test_renewal_probabilities_lie_strictly_between_zero_and_one():
    book = renewal_book()
    p = fit_renewal_model(book, SPEC).predict(book)
    assert ((p > 0) & (p < 1)).all()


def test_a_larger_premium_increase_lowers_the_renewal_probability():
    book = renewal_book()
    rows = fit_renewal_model(book, SPEC).relativities()["renewal"]["premium_change"]
    by_bin = sorted(rows, key=lambda r: float(r["level"].strip("<≥[ ").split(",")[0]))
    odds = [r["relativity"] for r in by_bin]
    assert odds[0] > odds[-1]
    assert auc(book["renewed"].to_numpy(), fit_renewal_model(book, SPEC).predict(book)) > 0.6


def test_an_outcome_other_than_zero_or_one_is_refused_naming_the_column():
    book = renewal_book().with_columns(renewed=np.full(5_000, 2))
    with pytest.raises(ModelInputError, match="'renewed' \\(outcome\\) must be 0 or 1"):
        fit_renewal_model(book, SPEC)
