"""Input rules checked before any fit or score, so bad rows fail loudly and by name."""

from __future__ import annotations

import hashlib
import io

import numpy as np
import polars as pl

from .errors import ModelInputError


def _first_row(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def require_columns(frame: pl.DataFrame, columns: list[str], purpose: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ModelInputError(
            f"column {missing[0]!r} is missing from the frame ({purpose}); "
            f"columns present: {', '.join(frame.columns)}"
        )


def check_features(frame: pl.DataFrame, columns: list[str]) -> None:
    """Rating factors may not be null or NaN: a silent fill would misprice the row."""
    require_columns(frame, columns, "a rating factor of the model")
    for column in dict.fromkeys(columns):
        series = frame[column]
        bad = series.is_null().to_numpy()
        if series.dtype.is_float():
            bad = bad | series.is_nan().fill_null(True).to_numpy()
        if bad.any():
            raise ModelInputError(
                f"column {column!r} has {int(bad.sum())} null/NaN values "
                f"(first at row {_first_row(bad)}); fill or drop them before fitting or scoring"
            )


def check_exposure(frame: pl.DataFrame, column: str) -> np.ndarray:
    """Exposure (vehicle-years) must be a positive finite number on every row."""
    require_columns(frame, [column], "exposure in years")
    expo = frame[column].cast(pl.Float64).fill_null(np.nan).to_numpy()
    bad = ~np.isfinite(expo) | (expo <= 0)
    if bad.any():
        raise ModelInputError(
            f"column {column!r} (exposure) must be > 0 and finite; {int(bad.sum())} rows are "
            f"zero, negative or missing (first at row {_first_row(bad)})"
        )
    return expo


def check_counts(frame: pl.DataFrame, column: str) -> np.ndarray:
    require_columns(frame, [column], "claim count")
    y = frame[column].cast(pl.Float64).fill_null(np.nan).to_numpy()
    bad = ~np.isfinite(y) | (y < 0)
    if bad.any():
        raise ModelInputError(
            f"column {column!r} (claim count) must be a non-negative number; "
            f"{int(bad.sum())} rows are not (first at row {_first_row(bad)})"
        )
    return y


def check_binary(frame: pl.DataFrame, column: str) -> np.ndarray:
    require_columns(frame, [column], "0/1 outcome")
    y = frame[column].cast(pl.Float64).fill_null(np.nan).to_numpy()
    bad = ~np.isin(y, (0.0, 1.0))
    if bad.any():
        raise ModelInputError(
            f"column {column!r} (outcome) must be 0 or 1; {int(bad.sum())} rows are not "
            f"(first at row {_first_row(bad)})"
        )
    if y.min() == y.max():
        raise ModelInputError(f"column {column!r} (outcome) has only one value; nothing to learn")
    return y


def training_data_hash(frame: pl.DataFrame, columns: list[str]) -> str:
    """sha256 of the Arrow IPC bytes of exactly the columns the model used, in spec order."""
    buffer = io.BytesIO()
    frame.select(list(dict.fromkeys(columns))).write_ipc(buffer, compression="uncompressed")
    return "sha256:" + hashlib.sha256(buffer.getvalue()).hexdigest()
