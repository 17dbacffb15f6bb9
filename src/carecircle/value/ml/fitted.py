"""The fit/score API: ``fit_risk_model`` and ``fit_renewal_model`` return a ``FittedModel``.

A ``FittedModel`` scores a polars frame, lists its relativities, and round-trips through a
JSON-safe dict stamped with ``SCHEMA_VERSION``; a dict of any other version is refused.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import polars as pl

from .checks import (
    check_binary,
    check_counts,
    check_exposure,
    check_features,
    require_columns,
    training_data_hash,
)
from .encoding import FactorSpec
from .errors import ModelInputError, ModelSchemaError
from .glm import GLM, fit_glm
from .metrics import poisson_deviance

SCHEMA_VERSION = 1
Kind = Literal["risk", "renewal"]


@dataclass(frozen=True)
class RiskSpec:
    """Frequency (Poisson, log-exposure offset) × severity (Gamma) on binned rating factors."""

    factors: tuple[FactorSpec, ...]
    claim_count: str = "nclaims"
    exposure: str = "expo"
    claim_amount: str | None = "amount"  # None: frequency only
    severity_factors: tuple[FactorSpec, ...] | None = None  # None: same as ``factors``
    alpha: float = 0.0
    severity_alpha: float = 1e-3


@dataclass(frozen=True)
class RenewalSpec:
    """Binomial GLM (logit) of ``target`` (1 = renewed) on binned factors."""

    factors: tuple[FactorSpec, ...]
    target: str = "renewed"
    alpha: float = 0.0


def spec_to_dict(spec: RiskSpec | RenewalSpec) -> dict[str, Any]:
    return asdict(spec)


def spec_from_dict(kind: str, data: dict[str, Any]) -> RiskSpec | RenewalSpec:
    def factors(items: list[dict[str, Any]] | None) -> tuple[FactorSpec, ...] | None:
        if items is None:
            return None
        return tuple(
            FactorSpec(**{**f, "edges": tuple(f["edges"]) if f["edges"] else None}) for f in items
        )

    if kind == "risk":
        return RiskSpec(
            **{
                **data,
                "factors": factors(data["factors"]),
                "severity_factors": factors(data["severity_factors"]),
            }
        )
    return RenewalSpec(**{**data, "factors": factors(data["factors"])})


@dataclass
class FittedModel:
    kind: Kind
    spec: RiskSpec | RenewalSpec
    main: GLM  # risk: claim frequency per exposure year; renewal: probability of renewal
    severity: GLM | None = None  # risk only: mean cost per claim
    training_data_hash: str = ""
    training_rows: int = 0
    metrics: dict[str, Any] = field(default_factory=dict)

    def _check(self, frame: pl.DataFrame) -> None:
        columns = [f.column for f in self.main.design.factors]
        if self.severity is not None:
            columns += [f.column for f in self.severity.design.factors]
        check_features(frame, columns)

    def predict(self, frame: pl.DataFrame) -> np.ndarray:
        """Risk: expected claim cost per exposure year (or frequency if no severity);
        renewal: probability that the policy renews."""
        self._check(frame)
        out = self.main.predict(frame)
        if self.severity is not None:
            out = out * self.severity.predict(frame)
        return out

    def predict_frequency(self, frame: pl.DataFrame) -> np.ndarray:
        self._check(frame)
        return self.main.predict(frame)

    def predict_severity(self, frame: pl.DataFrame) -> np.ndarray:
        if self.severity is None:
            raise ModelInputError("this risk model was fitted without a claim amount column")
        self._check(frame)
        return self.severity.predict(frame)

    def relativities(self) -> dict[str, dict[str, list[dict[str, Any]]]]:
        """Factor tables for charts, keyed by part: frequency/severity or renewal."""
        if self.kind == "renewal":
            return {"renewal": self.main.relativities()}
        tables = {"frequency": self.main.relativities()}
        if self.severity is not None:
            tables["severity"] = self.severity.relativities()
        return tables

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "kind": self.kind,
            "spec": spec_to_dict(self.spec),
            "main": self.main.to_dict(),
            "severity": None if self.severity is None else self.severity.to_dict(),
            "training_data_hash": self.training_data_hash,
            "training_rows": self.training_rows,
            "metrics": self.metrics,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FittedModel:
        version = data.get("schema_version")
        if version != SCHEMA_VERSION:
            raise ModelSchemaError(
                f"model dict has schema_version {version!r} but this CareCircle reads version "
                f"{SCHEMA_VERSION}; refit it with `carecircle value fit` instead of loading it"
            )
        kind = data["kind"]
        if kind not in ("risk", "renewal"):
            raise ModelSchemaError(f"unknown model kind {kind!r}; expected 'risk' or 'renewal'")
        return cls(
            kind=kind,
            spec=spec_from_dict(kind, data["spec"]),
            main=GLM.from_dict(data["main"]),
            severity=None if data["severity"] is None else GLM.from_dict(data["severity"]),
            training_data_hash=data["training_data_hash"],
            training_rows=int(data["training_rows"]),
            metrics=dict(data["metrics"]),
        )


def fit_risk_model(frame: pl.DataFrame, spec: RiskSpec) -> FittedModel:
    """Poisson frequency with log(exposure) offset, then Gamma severity on rows with claims."""
    check_features(frame, [f.column for f in spec.factors])
    expo = check_exposure(frame, spec.exposure)
    counts = check_counts(frame, spec.claim_count)
    frequency = fit_glm(
        frame, spec.factors, "poisson", counts, expo, offset=np.log(expo), alpha=spec.alpha
    )
    columns = [f.column for f in spec.factors] + [spec.exposure, spec.claim_count]
    severity = None
    if spec.claim_amount is not None:
        sev_factors = spec.severity_factors or spec.factors
        check_features(frame, [f.column for f in sev_factors])
        require_columns(frame, [spec.claim_amount], "claim amount")
        amount = frame[spec.claim_amount].cast(pl.Float64).fill_null(0.0).to_numpy()
        claimed = (counts > 0) & (amount > 0)
        if claimed.sum() < 10:
            raise ModelInputError(
                f"column {spec.claim_amount!r}: only {int(claimed.sum())} rows with a paid "
                "claim; at least 10 are needed for a severity model"
            )
        mask = pl.Series(claimed)
        severity = fit_glm(
            frame.filter(mask),
            sev_factors,
            "gamma",
            amount[claimed] / counts[claimed],
            counts[claimed],
            alpha=spec.severity_alpha,
        )
        columns += [f.column for f in sev_factors] + [spec.claim_amount]
    model = FittedModel(
        kind="risk",
        spec=spec,
        main=frequency,
        severity=severity,
        training_data_hash=training_data_hash(frame, columns),
        training_rows=frame.height,
    )
    fitted = frequency.predict(frame) * expo
    model.metrics = {
        "frequency_fit_seconds": round(frequency.fit_seconds, 3),
        "train_poisson_deviance": round(float(poisson_deviance(counts, fitted)), 6),
        "train_claims": float(counts.sum()),
        "train_exposure": round(float(expo.sum()), 3),
    }
    return model


def fit_renewal_model(frame: pl.DataFrame, spec: RenewalSpec) -> FittedModel:
    """Binomial GLM (logit link) of the 0/1 renewal outcome."""
    check_features(frame, [f.column for f in spec.factors])
    y = check_binary(frame, spec.target)
    glm = fit_glm(frame, spec.factors, "binomial", y, np.ones_like(y), alpha=spec.alpha)
    columns = [f.column for f in spec.factors] + [spec.target]
    model = FittedModel(
        kind="renewal",
        spec=spec,
        main=glm,
        training_data_hash=training_data_hash(frame, columns),
        training_rows=frame.height,
    )
    model.metrics = {
        "fit_seconds": round(glm.fit_seconds, 3),
        "train_renewal_rate": round(float(y.mean()), 5),
    }
    return model
