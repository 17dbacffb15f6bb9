"""The value pipeline on Spark (local mode) gives the embedded engine's results, row for row."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

import tests.value.engine.test_pandas_baseline as baseline
from carecircle.value.engine.params import ValueParams
from carecircle.value.engine.pipeline import (
    book_partials,
    book_stats,
    combine_book_partials,
    customer_features,
)
from carecircle.value.engine.snapshot import scan_snapshot

pytest.importorskip("pyspark")
JAVA = shutil.which("java") or (
    os.environ.get("JAVA_HOME") and Path(os.environ["JAVA_HOME"], "bin", "java").exists()
)
needs_java = pytest.mark.skipif(not JAVA, reason="Spark needs Java (no java on PATH or JAVA_HOME)")

PARTITIONS = 3
pytestmark = pytest.mark.filterwarnings(
    "ignore:PySpark does not yet fully support pandas:FutureWarning"
)
AS_OF = baseline.AS_OF


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated book, with some renewals moved to another customer (a vehicle sold on), so
    a renewal link crosses partitions, and one policy with a negative premium (set aside)."""
    folder = baseline.generate_book(tmp_path_factory.mktemp("book"), customers=2_000, seed=31)
    policies_dir = folder / "policies"
    policies = pl.read_parquet(policies_dir / "*.parquet")
    customers = policies["customer_no"].unique().sort()
    renewals = policies.with_row_index().filter(pl.col("renews_policy_no").is_not_null())
    moved = renewals["index"].gather_every(7)
    other = customers.sample(moved.len(), seed=5, with_replacement=True)
    policies = (
        policies.with_row_index()
        .with_columns(
            customer_no=pl.when(pl.col("index").is_in(moved.implode()))
            .then(
                pl.col("index").replace_strict(moved, other, default=None, return_dtype=pl.String)
            )
            .otherwise("customer_no"),
            premium=pl.when(pl.col("index") == 3).then(-pl.col("premium")).otherwise("premium"),
        )
        .drop("index")
    )
    shutil.rmtree(policies_dir)
    policies_dir.mkdir()
    policies.write_parquet(policies_dir / "part-00000.parquet")
    return folder


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    from carecircle.value.engine.spark import local_session

    session = local_session(partitions=PARTITIONS, cores=2)
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@needs_java
def test_spark_run_equals_the_embedded_run(book: Path, spark: Any) -> None:
    from carecircle.value.engine.spark import run_spark

    params = ValueParams(as_of=AS_OF)
    expected, unrounded = baseline.embedded(book, params)
    actual = run_spark(book, params, spark, partitions=PARTITIONS)
    assert expected.height == 2_000
    assert actual.schema == expected.schema
    # Every integer, cents and text column equal; floats within 1e-9.
    baseline.assert_same_results(expected, actual, unrounded)


@needs_java
def test_spark_run_refuses_mixed_currencies(book: Path, spark: Any, tmp_path: Path) -> None:
    from carecircle.value.engine.checks import ValueInputError
    from carecircle.value.engine.spark import run_spark

    mixed = tmp_path / "mixed"
    shutil.copytree(book, mixed)
    policies = pl.read_parquet(mixed / "policies" / "*.parquet")
    policies = policies.with_columns(
        currency=pl.when(pl.int_range(pl.len()) == 0).then(pl.lit("EUR")).otherwise("currency")
    )
    policies.write_parquet(mixed / "policies" / "part-00000.parquet")
    with pytest.raises(ValueInputError, match="currencies mixed in one run: CNY, EUR"):
        run_spark(mixed, ValueParams(as_of=AS_OF), spark)


def test_book_partials_of_disjoint_parts_combine_to_the_book_stats(book: Path) -> None:
    features = customer_features(scan_snapshot(book), ValueParams(as_of=AS_OF)).collect()
    whole = book_stats(features.lazy())
    parts = [features.filter(pl.col("customer_no").hash() % 3 == i).lazy() for i in range(3)]
    pieces = [book_partials(part) for part in parts]
    combined = combine_book_partials(
        pl.concat([totals for totals, _ in pieces]), pl.concat([cells for _, cells in pieces])
    )
    assert combined.book_loss_ratio == pytest.approx(whole.book_loss_ratio, rel=1e-12)
    assert combined.book_renewal == whole.book_renewal
    assert combined.renewal_cells.drop("cell_rate").equals(whole.renewal_cells.drop("cell_rate"))
    assert np.allclose(
        combined.renewal_cells["cell_rate"], whole.renewal_cells["cell_rate"], rtol=1e-12, atol=0
    )


def test_global_rank_is_the_min_rank_from_the_top() -> None:
    from carecircle.value.engine.spark import min_rank_descending

    values = np.array([5.0, 1.0, 5.0, -2.0, 3.0, 5.0, 0.0])
    ranks = min_rank_descending(values, np.sort(values))
    expected = pl.Series(values).rank("min", descending=True).to_numpy()
    assert ranks.tolist() == expected.tolist() == [1, 5, 1, 7, 4, 1, 6]
