"""The benchmark's pandas baseline computes what the engine computes (like with like)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from benchmarks import value_pandas

from carecircle.value.engine.checks import clean_inputs
from carecircle.value.engine.params import ValueParams
from carecircle.value.engine.pipeline import compute, results
from carecircle.value.engine.snapshot import scan_snapshot

AS_OF = dt.date(2026, 11, 22)  # the generator's reference date
FLOAT_TOLERANCE = 1e-9


def generate_book(folder: Path, customers: int, seed: int) -> Path:
    """A seeded synthetic book as canonical Parquet (``carecircle generate``)."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "carecircle",
            "generate",
            "--customers",
            str(customers),
            "--seed",
            str(seed),
            "--workers",
            "1",
            "--out",
            str(folder),
            "--no-progress",
        ],
        check=True,
        capture_output=True,
    )
    return folder


def embedded(folder: Path, params: ValueParams) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The engine's stored results and its unrounded frame (for the half-cent ties)."""
    inputs, _ = clean_inputs(scan_snapshot(folder))
    frame = compute(inputs, params).collect()
    return results(frame.lazy()).collect(), frame


def assert_same_results(
    expected: pl.DataFrame, actual: pl.DataFrame, unrounded: pl.DataFrame
) -> None:
    """Every integer, cents and text column equal; floats within 1e-9; nulls in the same rows.

    No allowance for rounding: money is rounded to the cent per policy before it is summed,
    so every cents column is exact whatever the summation order (it was not, before: float
    sums flipped half-cent ties between runs).  ``unrounded`` helps read a failure.
    """
    assert actual.columns == expected.columns
    assert actual.height == expected.height
    assert actual["customer_no"].to_list() == expected["customer_no"].to_list()
    problems = []
    for name, dtype in expected.schema.items():
        want, got = expected[name], actual[name]
        if not want.is_null().equals(got.is_null()):
            problems.append(f"{name}: nulls differ")
            continue
        if dtype.is_float():
            worst = (want - got.cast(pl.Float64)).abs().max()
            if worst is not None and worst > FLOAT_TOLERANCE:  # type: ignore[operator]
                problems.append(f"{name}: differs by up to {worst}")
            continue
        differ = ~want.eq_missing(got.cast(dtype))
        if not differ.any():
            continue
        rows = expected.with_columns(got=got.cast(dtype)).filter(differ)
        problems.append(f"{name}: {rows.height} row(s) differ, e.g. {rows.row(0, named=True)}")
    assert not problems, problems


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_book(tmp_path_factory.mktemp("book"), customers=1_500, seed=23)


def test_pandas_baseline_equals_the_embedded_engine(book: Path) -> None:
    params = ValueParams(as_of=AS_OF)
    expected, unrounded = embedded(book, params)
    baseline = pl.from_pandas(value_pandas.run(book, params))
    assert expected.height == 1_500
    assert_same_results(expected, baseline, unrounded)


def test_pandas_baseline_follows_the_parameters(book: Path) -> None:
    # Lists and tiers depend on the thresholds: loosen them so both list kinds occur.
    params = ValueParams(
        as_of=AS_OF,
        grey_min_claims=1,
        grey_min_loss_ratio=0.3,
        black_min_claims=2,
        black_min_loss_ratio=0.6,
        horizon_years=3,
        discount_rate=0.1,
        tier_cuts=(0.1, 0.2, 0.4, 0.8),
    )
    expected, unrounded = embedded(book, params)
    assert set(expected["list_proposal"]) >= {"grey", "black"}
    assert_same_results(expected, pl.from_pandas(value_pandas.run(book, params)), unrounded)
