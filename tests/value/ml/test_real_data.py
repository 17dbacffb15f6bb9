"""Published protocols on the real CASdatasets files; skipped when ../shared/datasets is absent.

The heavy fits run once per module (module-scoped fixtures) to keep the suite quick.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from sklearn.model_selection import StratifiedKFold

from carecircle.value.ml.challenger import fit_risk_challenger
from carecircle.value.ml.datasets import (
    BEMTPL97_RISK,
    EUDIRECTLAPSE_RENEWAL,
    TEST_FOLD,
    load_bemtpl97,
    load_eudirectlapse,
)
from carecircle.value.ml.fitted import fit_renewal_model, fit_risk_model
from carecircle.value.ml.metrics import auc, poisson_deviance
from tests.conftest import DATASETS

# The target is 0.64; this GLM reaches about 0.63 (docs/models.md says so plainly).
# The test guards what is achieved, so a regression fails, without pretending the target is met.
AUC_FLOOR_EUDIRECTLAPSE = 0.62

pytestmark = [
    pytest.mark.datasets,
    pytest.mark.skipif(
        not (DATASETS / "beMTPL97.parquet").exists(), reason="../shared/datasets is absent"
    ),
]


@pytest.fixture(scope="module")
def bemtpl97_split() -> tuple[pl.DataFrame, pl.DataFrame]:
    frame = load_bemtpl97(DATASETS)
    return frame.filter(pl.col("fold") != TEST_FOLD), frame.filter(pl.col("fold") == TEST_FOLD)


def _fold3_deviance(test: pl.DataFrame, frequency: np.ndarray) -> float:
    return poisson_deviance(test["nclaims"].to_numpy(), frequency * test["expo"].to_numpy())


def test_henckaerts_folds_reproduce_the_published_intercept_only_deviance(bemtpl97_split):
    train, test = bemtpl97_split
    base_frequency = train["nclaims"].sum() / train["expo"].sum()
    assert test.height == 27_202
    assert _fold3_deviance(test, np.full(test.height, base_frequency)) == pytest.approx(
        0.5523, abs=1e-4
    )


def test_frequency_glm_beats_the_intercept_only_model_on_fold_3(bemtpl97_split):
    train, test = bemtpl97_split
    model = fit_risk_model(train, BEMTPL97_RISK)
    base_frequency = train["nclaims"].sum() / train["expo"].sum()
    glm = _fold3_deviance(test, model.predict_frequency(test))
    assert glm < _fold3_deviance(test, np.full(test.height, base_frequency)) - 0.015
    bm = model.relativities()["frequency"]["bm"]
    assert bm[0]["level"] == "< 0.5" and bm[0]["relativity"] == 1.0  # bonus level 0 is the base
    assert max(r["relativity"] for r in bm) > 1.5  # malus levels cost more


def test_boosting_challenger_meets_the_fold_3_target(bemtpl97_split):
    # Settings chosen by CV inside the training folds (challenger.RISK_BOOSTING); 0.53083 there.
    train, test = bemtpl97_split
    challenger = fit_risk_challenger(train, BEMTPL97_RISK)
    assert _fold3_deviance(test, challenger.predict(test)) <= 0.531


def test_renewal_glm_cross_validated_auc_on_eudirectlapse():
    frame = load_eudirectlapse(DATASETS)
    y = frame["renewed"].to_numpy()
    scores = []
    for train_rows, test_rows in StratifiedKFold(5, shuffle=True, random_state=0).split(y, y):
        model = fit_renewal_model(frame[train_rows], EUDIRECTLAPSE_RENEWAL)
        p = model.predict(frame[test_rows])
        assert ((p > 0) & (p < 1)).all()
        scores.append(auc(y[test_rows], p))
    assert float(np.mean(scores)) >= AUC_FLOOR_EUDIRECTLAPSE
