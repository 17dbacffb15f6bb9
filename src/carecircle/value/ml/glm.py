"""One fitted GLM on a factor design: fitted with glum, scored with plain numpy.

Scoring never calls glum, so a model rebuilt from its JSON dict predicts exactly what the
fitted one did, and the batch engine needs no solver at score time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import polars as pl
from glum import GeneralizedLinearRegressor
from threadpoolctl import threadpool_limits

from .encoding import Design, FactorSpec, fit_design

Family = Literal["poisson", "gamma", "binomial"]
LINKS = {"poisson": "log", "gamma": "log", "binomial": "logit"}
# glum/tabmat run their sparse products on OpenMP threads.  On a busy shared machine (the
# 2-core box these models are benchmarked on, with other jobs running) two spinning OpenMP
# threads made the beMTPL97 fit 10–20× slower than one thread (0.3 s CPU single-threaded vs
# 5–20 s wall with two), so the solver runs on one thread; the design is small enough that a
# second thread gains little even on an idle machine.
FIT_THREADS = 1


@dataclass
class GLM:
    family: str
    design: Design
    intercept: float
    coefficients: np.ndarray
    fit_seconds: float = 0.0
    # CPU seconds of the fit (binning + solver); not stored, only for benchmarks on a busy box
    fit_cpu_seconds: float = 0.0

    def linear_predictor(self, frame: pl.DataFrame) -> np.ndarray:
        return self.design.linear_predictor(frame, self.intercept, self.coefficients)

    def predict(self, frame: pl.DataFrame) -> np.ndarray:
        """Mean per unit of exposure (log link) or probability (logit link)."""
        eta = self.linear_predictor(frame)
        if LINKS[self.family] == "logit":
            return 1.0 / (1.0 + np.exp(-eta))
        return np.exp(eta)

    def relativities(self) -> dict[str, list[dict[str, Any]]]:
        """Factor tables: level → exp(coefficient); the base level (first) is 1.0 exactly."""
        tables: dict[str, list[dict[str, Any]]] = {}
        start = 0
        for factor in self.design.factors:
            width = len(factor.levels) - 1
            coefs = self.coefficients[start : start + width]
            start += width
            tables[factor.column] = [{"level": factor.levels[0], "relativity": 1.0}] + [
                {"level": lev, "relativity": float(np.exp(c))}
                for lev, c in zip(factor.levels[1:], coefs, strict=True)
            ]
        return tables

    def to_dict(self) -> dict[str, Any]:
        return {
            "family": self.family,
            "link": LINKS[self.family],
            "intercept": float(self.intercept),
            "coefficients": dict(
                zip(self.design.column_names, map(float, self.coefficients), strict=True)
            ),
            "factors": self.design.to_dict(),
            "fit_seconds": round(self.fit_seconds, 3),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GLM:
        design = Design.from_dict(data["factors"])
        coefs = data["coefficients"]
        return cls(
            family=data["family"],
            design=design,
            intercept=float(data["intercept"]),
            coefficients=np.array([float(coefs[name]) for name in design.column_names]),
            fit_seconds=float(data.get("fit_seconds", 0.0)),
        )


def fit_glm(
    frame: pl.DataFrame,
    factors: tuple[FactorSpec, ...],
    family: Family,
    y: np.ndarray,
    weight: np.ndarray,
    offset: np.ndarray | None = None,
    alpha: float = 0.0,
) -> GLM:
    """Bin the factors on this frame, then fit the GLM with glum (IRLS, ridge ``alpha``).

    For the Poisson frequency ``y`` is the count, ``weight`` the exposure (used to weigh bins)
    and ``offset`` log(exposure); for severity ``y`` is the mean claim and ``weight`` the count.
    """
    started, cpu_started = time.perf_counter(), time.process_time()
    # Tree-guided bins learn from the per-unit target (frequency) weighted by exposure.
    per_unit = y / weight if offset is not None else y
    design = fit_design(frame, list(factors), per_unit, weight, poisson=family == "poisson")
    x = design.matrix(frame)
    # hessian_approx: an IRLS step updates the Hessian only from rows whose second derivative
    # changed by ≥ 10 % of the largest change (glum keeps the skipped change for later), so
    # the optimum is the same (gradient tolerance unchanged) for a third less CPU on beMTPL97.
    model = GeneralizedLinearRegressor(
        family=family,
        link=LINKS[family],
        alpha=alpha,
        l1_ratio=0.0,
        fit_intercept=True,
        hessian_approx=0.1,
    )
    with threadpool_limits(limits=FIT_THREADS):
        if offset is not None:
            model.fit(x, y, offset=offset)
        else:
            model.fit(x, y, sample_weight=weight)
    return GLM(
        family=family,
        design=design,
        intercept=float(model.intercept_),
        coefficients=np.asarray(model.coef_, dtype=float),
        fit_seconds=time.perf_counter() - started,
        fit_cpu_seconds=time.process_time() - cpu_started,
    )
