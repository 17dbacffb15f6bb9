"""Fitting and storing model versions: one transaction per stored version.

``fit_from_dataset`` serves ``carecircle value fit --dataset …``; ``fit_from_book`` is the hook
the batch engine calls with a polars frame built from the operational snapshot.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
from django.db import transaction
from django.db.models import Max

from carecircle.core import audit

from ..engine import book_models
from ..engine.snapshot import scan_snapshot
from ..ml import datasets
from ..ml.errors import ModelInputError
from ..ml.fitted import (
    SCHEMA_VERSION,
    FittedModel,
    RenewalSpec,
    RiskSpec,
    fit_renewal_model,
    fit_risk_model,
    spec_to_dict,
)
from ..models import ModelVersion


def store_model_version(
    fitted: FittedModel,
    *,
    name: str,
    parameters: dict[str, Any] | None = None,
    activate: bool = True,
    acting_user: Any = None,
) -> ModelVersion:
    """Save a fitted model as the next version of its kind (and make it the active one)."""
    with transaction.atomic():
        # Lock the kind's rows so two concurrent fits cannot take the same version number.
        existing = ModelVersion.objects.select_for_update().filter(kind=fitted.kind)
        version = (existing.aggregate(top=Max("version"))["top"] or 0) + 1
        if activate:
            existing.filter(is_active=True).update(is_active=False)
        stored = ModelVersion.objects.create(
            kind=fitted.kind,
            name=name,
            version=version,
            training_data_hash=fitted.training_data_hash,
            training_rows=fitted.training_rows,
            schema_version=SCHEMA_VERSION,
            metrics=fitted.metrics,
            coefficients={**fitted.to_dict(), "relativities": fitted.relativities()},
            parameters={"spec": spec_to_dict(fitted.spec), **(parameters or {})},
            is_active=activate,
        )
        audit.record(
            acting_user,
            "create",
            stored,
            summary=f"fitted {fitted.kind} model v{version} on {fitted.training_rows} rows",
        )
    return stored


def load_model(stored: ModelVersion) -> FittedModel:
    """The scoring object of a stored version (refuses an older schema with a clear error)."""
    data = {k: v for k, v in stored.coefficients.items() if k != "relativities"}
    return FittedModel.from_dict(data)


def active_model(kind: str) -> FittedModel | None:
    stored = ModelVersion.objects.filter(kind=kind, is_active=True).first()
    return None if stored is None else load_model(stored)


def fit_from_dataset(
    dataset: str, datasets_dir: Path | None = None, *, acting_user: Any = None
) -> ModelVersion:
    """Fit on a real public dataset (beMTPL97 → risk; eudirectlapse/fremotor1 → renewal)."""
    folder = datasets_dir or datasets.DEFAULT_DATASETS_DIR
    if dataset == "bemtpl97":
        fitted = fit_risk_model(datasets.load_bemtpl97(folder), datasets.BEMTPL97_RISK)
    elif dataset == "eudirectlapse":
        fitted = fit_renewal_model(
            datasets.load_eudirectlapse(folder), datasets.EUDIRECTLAPSE_RENEWAL
        )
    elif dataset == "fremotor1":
        fitted = fit_renewal_model(
            datasets.load_fremotor1_renewal(folder), datasets.FREMOTOR1_RENEWAL
        )
    else:
        raise ModelInputError(f"unknown dataset {dataset!r}; choose one of {datasets.DATASETS}")
    return store_model_version(
        fitted,
        name=dataset,
        parameters={"source": "dataset", "dataset": dataset, "datasets_dir": str(folder)},
        acting_user=acting_user,
    )


def fit_from_book(
    frame: pl.DataFrame,
    spec: RiskSpec | RenewalSpec,
    *,
    name: str = "book",
    activate: bool = True,
    acting_user: Any = None,
) -> ModelVersion:
    """Hook for the batch engine: fit on the operational book's snapshot frame and store it.

    ``frame`` has one row per vehicle-year (risk: claim count, exposure, amount and the spec's
    factor columns) or per expiring policy (renewal: 0/1 ``spec.target``).  Input errors raise
    ``ModelInputError`` naming the column before anything is written.
    """
    if isinstance(spec, RiskSpec):
        fitted = fit_risk_model(frame, spec)
    else:
        fitted = fit_renewal_model(frame, spec)
    return store_model_version(
        fitted,
        name=name,
        parameters={"source": "book"},
        activate=activate,
        acting_user=acting_user,
    )


def fit_from_snapshot(
    folder: Path, params: Any, *, acting_user: Any = None
) -> tuple[ModelVersion, ModelVersion]:
    """``carecircle value fit --book``: fit the risk and renewal models on the book's snapshot.

    Both are stored as version ``name="book"`` with ``parameters.source == "book"``; the value
    run scores with the active versions of that name.
    """
    inputs = scan_snapshot(folder)
    risk_rows = book_models.sample(book_models.risk_frame(folder, inputs, params))
    renewal_rows = book_models.sample(book_models.renewal_frame(folder, inputs, params))
    if renewal_rows.height == 0 or risk_rows.height == 0:
        raise ModelInputError("the book has no policy history to fit on / 没有可用于建模的保单历史")
    extra = {"as_of": params.as_of.isoformat(), "snapshot": str(folder)}
    risk = fit_from_book(
        risk_rows, book_models.BOOK_RISK, name=book_models.BOOK_MODEL_NAME, acting_user=acting_user
    )
    renewal = fit_from_book(
        renewal_rows,
        book_models.BOOK_RENEWAL,
        name=book_models.BOOK_MODEL_NAME,
        acting_user=acting_user,
    )
    for stored in (risk, renewal):
        stored.parameters = {**stored.parameters, **extra}
        stored.save(update_fields=["parameters"])
    return risk, renewal


def active_book_models() -> tuple[ModelVersion | None, ModelVersion | None]:
    """The active risk and renewal versions fitted on the book (None where there is none)."""
    found = {
        m.kind: m
        for m in ModelVersion.objects.filter(is_active=True, name="book", parameters__source="book")
    }
    return found.get("risk"), found.get("renewal")
