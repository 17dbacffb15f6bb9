"""The frequency–severity GLM: known effects recovered, relativities, round trip, bad input."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest

from carecircle.value.ml import (
    FactorSpec,
    FittedModel,
    ModelInputError,
    ModelSchemaError,
    RiskSpec,
    fit_risk_model,
)
from tests.value.synthetic import TRUE_AGE_RELATIVITY, TRUE_DIESEL_RELATIVITY, poisson_book

SPEC = RiskSpec(
    factors=(
        FactorSpec("age_band", kind="categorical"),
        FactorSpec("fuel", kind="categorical"),
    ),
    severity_factors=(FactorSpec("fuel", kind="categorical"),),
)


@pytest.fixture(scope="module")
def book() -> pl.DataFrame:
    return poisson_book()


@pytest.fixture(scope="module")
def model(book: pl.DataFrame) -> FittedModel:
    return fit_risk_model(book, SPEC)


def _relativity(model: FittedModel, factor: str, level: str) -> float:
    rows = model.relativities()["frequency"][factor]
    return next(r["relativity"] for r in rows if r["level"] == level)


def test_true_poisson_relativities_are_recovered_within_ten_percent(model):
    middle = _relativity(model, "age_band", "middle")
    assert middle == 1.0  # the heaviest level is the base
    assert _relativity(model, "age_band", "young") == pytest.approx(
        TRUE_AGE_RELATIVITY["young"], rel=0.10
    )
    assert _relativity(model, "age_band", "old") == pytest.approx(
        TRUE_AGE_RELATIVITY["old"], rel=0.10
    )
    assert _relativity(model, "fuel", "diesel") == pytest.approx(TRUE_DIESEL_RELATIVITY, rel=0.10)


def test_exposure_offset_makes_expected_claims_match_observed_claims(model, book):
    expected = model.predict_frequency(book) * book["expo"].to_numpy()
    assert expected.sum() == pytest.approx(book["nclaims"].sum(), rel=1e-3)


def test_every_relativity_is_positive_and_each_factor_has_a_base_of_exactly_one(model):
    for part in model.relativities().values():
        for rows in part.values():
            assert rows[0]["relativity"] == 1.0
            assert all(r["relativity"] > 0 for r in rows)


def test_expected_cost_is_frequency_times_severity(model, book):
    assert np.allclose(
        model.predict(book), model.predict_frequency(book) * model.predict_severity(book)
    )


def test_round_trip_through_json_gives_identical_predictions(model, book):
    restored = FittedModel.from_dict(json.loads(json.dumps(model.to_dict())))
    assert np.array_equal(restored.predict(book), model.predict(book))
    assert restored.training_data_hash == model.training_data_hash


def test_training_data_hash_changes_when_the_data_changes(model, book):
    changed = book.with_columns(pl.col("nclaims").reverse())
    assert fit_risk_model(changed, SPEC).training_data_hash != model.training_data_hash


def test_a_model_dict_from_an_older_schema_is_refused_with_a_clear_error(model):
    old = {**model.to_dict(), "schema_version": 0}
    with pytest.raises(ModelSchemaError, match=r"schema_version 0 .* refit"):
        FittedModel.from_dict(old)


def test_missing_exposure_column_is_named(book):
    with pytest.raises(ModelInputError, match="'expo' is missing"):
        fit_risk_model(book.drop("expo"), SPEC)


@pytest.mark.parametrize("bad_exposure", [0.0, -0.5])
def test_zero_or_negative_exposure_is_refused_naming_the_column(book, bad_exposure):
    bad = book.with_columns(
        expo=pl.when(pl.int_range(pl.len()) == 5).then(bad_exposure).otherwise(pl.col("expo"))
    )
    with pytest.raises(ModelInputError, match=r"'expo' \(exposure\) must be > 0.*first at row 5"):
        fit_risk_model(bad, SPEC)


def test_nan_in_a_rating_factor_is_refused_naming_the_column(book):
    spec = RiskSpec(factors=(FactorSpec("driver_age"),), claim_amount=None)
    bad = book.with_columns(
        driver_age=pl.when(pl.int_range(pl.len()) == 3)
        .then(float("nan"))
        .otherwise(pl.col("driver_age").cast(pl.Float64))
    )
    with pytest.raises(ModelInputError, match="'driver_age' has 1 null/NaN"):
        fit_risk_model(bad, spec)


def test_scoring_a_frame_with_a_missing_factor_names_the_column(model, book):
    with pytest.raises(ModelInputError, match="'fuel' is missing"):
        model.predict(book.drop("fuel"))


def test_numeric_factor_is_binned_and_unseen_category_scores_as_base(book):
    spec = RiskSpec(factors=(FactorSpec("driver_age", bins=4),), claim_amount=None)
    fitted = fit_risk_model(book, spec)
    levels = [r["level"] for r in fitted.relativities()["frequency"]["driver_age"]]
    assert len(levels) == 3  # three distinct ages → at most three bins
    unseen = fit_risk_model(book, SPEC).predict_frequency(
        book.head(1).with_columns(fuel=pl.lit("hydrogen"))
    )
    assert unseen[0] > 0
