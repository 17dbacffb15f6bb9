"""The boosting challengers weigh exposure the Poisson way and give probabilities for renewal."""

from __future__ import annotations

import polars as pl
import pytest

from carecircle.value.ml import FactorSpec, RenewalSpec, RiskSpec
from carecircle.value.ml.challenger import fit_renewal_challenger, fit_risk_challenger
from tests.value.synthetic import TRUE_AGE_RELATIVITY, poisson_book, renewal_book


def test_risk_challenger_with_exposure_weights_predicts_frequency_not_counts():
    book = poisson_book(rows=10_000)
    spec = RiskSpec(factors=(FactorSpec("age_band", kind="categorical"),), claim_amount=None)
    challenger = fit_risk_challenger(book, spec, {"max_iter": 60, "learning_rate": 0.2})
    expected = challenger.predict(book) * book["expo"].to_numpy()
    assert expected.sum() == pytest.approx(book["nclaims"].sum(), rel=0.03)
    young = challenger.predict(pl.DataFrame({"age_band": ["young"]}))[0]
    middle = challenger.predict(pl.DataFrame({"age_band": ["middle"]}))[0]
    assert young / middle == pytest.approx(TRUE_AGE_RELATIVITY["young"], rel=0.15)


def test_renewal_challenger_gives_probabilities_between_zero_and_one():
    book = renewal_book()
    spec = RenewalSpec(
        factors=(FactorSpec("premium_change"), FactorSpec("channel", kind="categorical"))
    )
    p = fit_renewal_challenger(book, spec, {"max_iter": 30}).predict(book)
    assert ((p > 0) & (p < 1)).all()


def test_a_cross_fitted_bag_averages_its_members_and_keeps_the_poisson_balance():
    book = poisson_book(rows=10_000)
    spec = RiskSpec(factors=(FactorSpec("age_band", kind="categorical"),), claim_amount=None)
    challenger = fit_risk_challenger(
        book, spec, {"max_iter": 60, "learning_rate": 0.2, "bags": 3, "monotonic": {}}
    )
    assert len(challenger.models) == 3
    members = [m.predict(challenger.features.matrix(book)) for m in challenger.models]
    assert challenger.predict(book) == pytest.approx(sum(members) / 3)
    expected = challenger.predict(book) * book["expo"].to_numpy()
    assert expected.sum() == pytest.approx(book["nclaims"].sum(), rel=0.03)


def test_a_monotonic_constraint_must_name_a_numeric_feature():
    book = poisson_book(rows=2_000)
    spec = RiskSpec(factors=(FactorSpec("age_band", kind="categorical"),), claim_amount=None)
    with pytest.raises(ValueError, match="not a numeric feature"):
        fit_risk_challenger(book, spec, {"max_iter": 5, "monotonic": {"age_band": 1}})
