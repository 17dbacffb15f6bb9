"""Numpy → polars column builders matching ``carecircle.ingest.schema`` dtypes exactly."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pyarrow as pa

from carecircle.ingest.schema import TABLES

EPOCH = dt.date(1970, 1, 1)
SHANGHAI_OFFSET_US = 8 * 3600 * 1_000_000
DAY_US = 86_400 * 1_000_000


def day_number(day: dt.date) -> int:
    return (day - EPOCH).days


def decimal(
    scaled: np.ndarray, precision: int = 14, scale: int = 2, valid: np.ndarray | None = None
) -> pl.Series:
    """Integers already multiplied by 10**scale (e.g. fen) → an exact Decimal series."""
    n = len(scaled)
    words = np.zeros((n, 2), dtype=np.int64)
    words[:, 0] = scaled
    words[:, 1] = np.where(scaled < 0, -1, 0)
    buffers: list[pa.Buffer | None] = [None, pa.py_buffer(words)]
    if valid is not None:
        buffers[0] = pa.py_buffer(np.packbits(valid.astype(bool), bitorder="little"))
    array = pa.Array.from_buffers(pa.decimal128(precision, scale), n, buffers)
    return pl.Series(pl.from_arrow(array))


def money(yuan: np.ndarray, valid: np.ndarray | None = None) -> pl.Series:
    return decimal(np.rint(np.asarray(yuan) * 100).astype(np.int64), 14, 2, valid)


def coefficient(values: np.ndarray, valid: np.ndarray | None = None) -> pl.Series:
    return decimal(np.rint(np.asarray(values) * 1000).astype(np.int64), 5, 3, valid)


def dates(days: np.ndarray, valid: np.ndarray | None = None) -> pl.Series:
    s = pl.Series(np.asarray(days, dtype=np.int32)).cast(pl.Date)
    return _with_nulls(s, valid)


def timestamps(local_us: np.ndarray, valid: np.ndarray | None = None) -> pl.Series:
    """Local Shanghai wall-clock microseconds since 1970 → tz-aware timestamps (whole seconds)."""
    utc = np.asarray(local_us, dtype=np.int64) // 1_000_000 * 1_000_000 - SHANGHAI_OFFSET_US
    s = pl.Series(utc).cast(pl.Datetime("us", "UTC")).dt.convert_time_zone("Asia/Shanghai")
    return _with_nulls(s, valid)


def pick(table: list[str] | tuple[str, ...], index: np.ndarray) -> pl.Series:
    return pl.Series(list(table), dtype=pl.String).gather(np.asarray(index, dtype=np.int64))


def zfill(prefix: str, numbers: np.ndarray, width: int) -> pl.Series:
    return prefix + pl.Series(np.asarray(numbers, dtype=np.int64)).cast(pl.String).str.zfill(width)


def strings(values: pl.Series, valid: np.ndarray | None = None) -> pl.Series:
    return _with_nulls(values.cast(pl.String), valid)


def _with_nulls(s: pl.Series, valid: np.ndarray | None) -> pl.Series:
    if valid is None:
        return s
    return s.set(pl.Series(~np.asarray(valid, dtype=bool)), None)


def table(name: str, columns: dict[str, pl.Series]) -> pl.DataFrame:
    """Assemble a table in schema order with schema dtypes; missing columns become nulls."""
    schema = TABLES[name]
    n = len(next(iter(columns.values())))
    out = []
    for column, dtype in schema.items():
        series = columns.get(column)
        if series is None:
            series = pl.repeat(None, n, dtype=dtype, eager=True)
        out.append(series.alias(column).cast(dtype))
    return pl.DataFrame(out)
