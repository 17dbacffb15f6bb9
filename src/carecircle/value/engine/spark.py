"""The value pipeline on Apache Spark: the same per-customer plan, partitioned by customer.

    from carecircle.value.engine.spark import run_spark
    frame = run_spark(snapshot_folder, ValueParams(as_of=...))   # == results(compute(...))

How each phase of ``pipeline`` runs here (the formulas are never restated: every partition
converts its rows to Polars and calls the very same functions):

0. Routing.  Every input row gets ``_part = pmod(xxhash64(customer_no), partitions)``.  Claims
   have no customer: they reach it through their policy (a join on ``policy_no``; claims of an
   unknown policy are dropped, as the engine's inner join drops them).  A policy that renews a
   policy held in another partition is also copied, with no customer, into the predecessor's
   partition, so ``renewal_outcomes`` there sees the renewal (a customer-less policy joins no
   customer and changes nothing else).  The four tables travel as one frame: a ``_table`` tag
   and each table's columns prefixed ``<table>__``.
1. ``customer_features`` + ``checks.clean_inputs``: ``groupBy(_part).applyInPandas`` (Arrow
   batches; inside, pandas → Polars, cast back to the canonical schema).  The currency check is
   global (distinct currencies of all policies, on the driver) before the partitions run.  Features are
   persisted: the next three steps read them.
2. ``book_stats``: each partition returns ``pipeline.book_partials`` (sums, and per renewal cell
   the count and the sum of rates); the driver adds them up with
   ``pipeline.combine_book_partials`` and broadcasts the small ``BookStats``.
3. ``customer_values``: per partition, given the broadcast stats.
4. ``value_percentile``: a global rank.  The lifetime values are collected to the driver (8 bytes
   a customer: 8 MB at 1M customers), sorted and broadcast; each partition ranks its customers
   by binary search ("min" rank, top = 1) and calls ``pipeline.percentile_of_rank``.  A Spark
   window without partitioning would move every row to one task instead.  Phase 3 is computed
   again in this pass rather than shuffling the wide value rows (it is row-local arithmetic).
5. ``tiers_phase`` and ``results`` per partition; the driver collects the result as Arrow.

``applyInPandas`` holds one whole group (here: one partition) in a worker's memory, so choose
``partitions`` so each holds at most ~100,000 customers (about 1 GB of rows in pandas).  Prior
decisions and model scores are not routed yet: the run is the rules-and-experience run of a
snapshot (``prior`` empty, as for ``scan_snapshot``).

Floats: the book sums are added in a different order than embedded, so a float can differ in
the last bit; Polars' own parallel sums are not in a fixed order either (docs in the tests).
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from .checks import ValueInputError, clean_inputs
from .params import ValueParams
from .pipeline import (
    RENEWAL_KEYS,
    BookStats,
    Inputs,
    book_partials,
    combine_book_partials,
    customer_features,
    customer_values,
    percentile_of_rank,
    results,
    tiers_phase,
)
from .snapshot import NEEDED, scan_snapshot, table_path

if TYPE_CHECKING:
    import pandas as pd
    from pyspark.sql import DataFrame, SparkSession

log = logging.getLogger(__name__)
DType = pl.DataType | type[pl.DataType]
Schema = Mapping[str, DType]
PART = "_part"
TABLE = "_table"
# Dates are used only inside phase 1 (tenure); they do not travel between the passes.
FEATURE_DATES = ("first_insured_on", "first_effective")
# One frame for both kinds of ``book_partials`` rows: kind "totals" (one per partition) or "cell".
PARTIAL_SCHEMA: dict[str, DType] = {
    "kind": pl.String,
    "main_channel": pl.String,
    "had_claim": pl.Boolean,
    "tenure_bucket": pl.String,
    "n": pl.Float64,
    "rate_sum": pl.Float64,
    "capped": pl.Float64,
    "earned": pl.Float64,
    "renewed": pl.Int64,
    "expiring": pl.Int64,
}


def local_session(partitions: int = 2, cores: int | None = None) -> SparkSession:
    """A local-mode session for tests and single machines (no UI, few shuffle partitions)."""
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    return (
        SparkSession.builder.master(f"local[{cores or '*'}]")
        .appName("carecircle-value")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", str(partitions))
        .config("spark.default.parallelism", str(partitions))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.pyspark.python", sys.executable)
        .config("spark.driver.memory", "2g")
        .getOrCreate()
    )


def spark_type(dtype: DType) -> Any:
    from pyspark.sql import types as T

    simple: dict[Any, Any] = {
        pl.String: T.StringType(),
        pl.Int64: T.LongType(),
        pl.Int32: T.IntegerType(),
        pl.Int8: T.ByteType(),
        pl.UInt32: T.LongType(),
        pl.Float64: T.DoubleType(),
        pl.Boolean: T.BooleanType(),
        pl.Date: T.DateType(),
    }
    for polars_type, spark in simple.items():
        if dtype == polars_type:
            return spark
    if isinstance(dtype, pl.Decimal):
        return T.DecimalType(dtype.precision or 38, dtype.scale)
    if isinstance(dtype, pl.Datetime):
        return T.TimestampType() if dtype.time_zone else T.TimestampNTZType()
    raise TypeError(f"no Spark type for {dtype}")


def spark_schema(schema: Schema) -> Any:
    from pyspark.sql import types as T

    return T.StructType([T.StructField(n, spark_type(d), True) for n, d in schema.items()])


def restore(frame: pl.DataFrame, schema: Schema, session_tz: str) -> pl.DataFrame:
    """Columns back to their canonical Polars types after the trip through Spark and pandas.

    Timestamps arrive as naive wall times in the Spark session's time zone; decimals as Python
    ``Decimal`` objects; nullable integers as floats.  Integer-valued floats cast exactly.
    """
    exprs = []
    for name, dtype in schema.items():
        column = pl.col(name)
        source = frame.schema[name]
        if isinstance(dtype, pl.Datetime) and dtype.time_zone and source != pl.Null:
            naive = column.cast(pl.Datetime(dtype.time_unit))
            if isinstance(source, pl.Datetime) and source.time_zone:
                naive = column.dt.convert_time_zone(session_tz).dt.replace_time_zone(None)
            column = naive.dt.replace_time_zone(session_tz).dt.convert_time_zone(dtype.time_zone)
        exprs.append(column.cast(dtype).alias(name))
    return frame.select(exprs)


def _to_pandas(frame: pl.DataFrame) -> pd.DataFrame:
    return frame.to_pandas()


def _phase1(
    schemas: Mapping[str, Schema],
    features_schema: Schema,
    params: ValueParams,
    currency: str | None,
    session_tz: str,
) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def run(batch: pd.DataFrame) -> pd.DataFrame:
        rows = pl.from_pandas(batch)
        part = int(rows[PART][0])
        tables = {}
        for table, schema in schemas.items():
            these = rows.filter(pl.col(TABLE) == table).select(
                pl.col(f"{table}__{name}").alias(name) for name in schema
            )
            tables[table] = restore(these, schema, session_tz).lazy()
        inputs, _ = clean_inputs(
            Inputs(
                customers=tables["customers"],
                policies=tables["policies"],
                claims=tables["claims"],
                interactions=tables["interactions"],
            ),
            currency,
        )
        features = customer_features(inputs, params).collect()
        out = features.select(list(features_schema)).with_columns(
            pl.lit(part, dtype=pl.Int64).alias(PART)
        )
        return _to_pandas(out)

    return run


def _features_in(batch: pd.DataFrame, schema: Schema) -> pl.DataFrame:
    return restore(pl.from_pandas(batch), schema, "UTC")


def _partials(schema: Schema) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def run(batch: pd.DataFrame) -> pd.DataFrame:
        totals, cells = book_partials(_features_in(batch, schema).lazy())
        frame = pl.concat(
            [
                totals.with_columns(kind=pl.lit("totals")),
                cells.with_columns(kind=pl.lit("cell")),
            ],
            how="diagonal_relaxed",
        )
        return _to_pandas(restore(frame, PARTIAL_SCHEMA, "UTC"))

    return run


def _lifetime_values(
    schema: Schema, stats: Any, params: ValueParams
) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def run(batch: pd.DataFrame) -> pd.DataFrame:
        values = customer_values(_features_in(batch, schema).lazy(), stats.value, params)
        return _to_pandas(values.select("lifetime_value").collect())

    return run


def min_rank_descending(values: np.ndarray, ascending_sorted: np.ndarray) -> np.ndarray:
    """Rank by value, highest first, ties sharing the lowest rank (Polars' "min"): 1 + the
    number of values in the whole book strictly greater."""
    above = len(ascending_sorted) - np.searchsorted(ascending_sorted, values, side="right")
    return above + 1


def _finish(
    schema: Schema,
    stats: Any,
    ranked: Any,
    count: int,
    params: ValueParams,
    output_schema: Schema,
) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def run(batch: pd.DataFrame) -> pd.DataFrame:
        values = customer_values(_features_in(batch, schema).lazy(), stats.value, params)
        values_df = values.collect()
        ltv = values_df["lifetime_value"]
        rank = pl.Series(
            "rank", min_rank_descending(ltv.fill_null(np.nan).to_numpy(), ranked.value)
        ).cast(pl.UInt32)
        frame = (
            values_df.with_columns(rank.alias("_rank"))
            .with_columns(_rank=pl.when(pl.col("lifetime_value").is_not_null()).then("_rank"))
            .with_columns(
                value_percentile=percentile_of_rank(pl.col("_rank"), pl.lit(count, dtype=pl.UInt32))
            )
        )
        out = results(tiers_phase(frame.lazy(), None, params)).collect()
        return _to_pandas(out.select(list(output_schema)))

    return run


def _spark_path(folder: Path, table: str) -> str:
    """The table's file, or its folder of part files (Spark reads every part in a folder)."""
    path = table_path(folder, table)
    return path.removesuffix("/*.parquet")


def _route(
    spark: SparkSession, folder: Path, schemas: Mapping[str, Schema], partitions: int
) -> DataFrame:
    from pyspark.sql import functions as F

    frames = {
        # The schema is given, so Spark does not infer it from the files.
        table: spark.read.schema(spark_schema(schema)).parquet(_spark_path(folder, table))
        for table, schema in schemas.items()
    }

    def part_of(column: str) -> Any:
        return F.pmod(F.xxhash64(F.col(column)), F.lit(partitions)).cast("int")

    policies = frames["policies"].withColumn(PART, part_of("customer_no"))
    owner = policies.select("policy_no", F.col(PART).alias("_owner_part"))
    # A renewal held in another partition than its predecessor: a copy without customer goes
    # to the predecessor's partition, so its renewal is counted there.
    successors = (
        policies.where(F.col("renews_policy_no").isNotNull())
        .join(owner.withColumnRenamed("policy_no", "renews_policy_no"), "renews_policy_no")
        .where(F.col("_owner_part") != F.col(PART))
        .withColumn("customer_no", F.lit(None).cast("string"))
        .withColumn(PART, F.col("_owner_part"))
        .select(policies.columns)
    )
    claims = frames["claims"].join(policies.select("policy_no", PART), on="policy_no", how="inner")
    routed = {
        "customers": frames["customers"].withColumn(PART, part_of("customer_no")),
        "policies": policies.unionByName(successors),
        "claims": claims,
        "interactions": frames["interactions"].withColumn(PART, part_of("customer_no")),
    }
    tagged = None
    for table, frame in routed.items():
        named = frame.select(
            F.col(PART),
            F.lit(table).alias(TABLE),
            *[F.col(name).alias(f"{table}__{name}") for name in schemas[table]],
        )
        tagged = named if tagged is None else tagged.unionByName(named, allowMissingColumns=True)
    assert tagged is not None
    return tagged


def _check_currency(snapshot: Inputs, currency: str | None) -> None:
    """The one book-wide input check: one currency per run (read from the policies' currency
    column on the driver, a few MB; the per-row checks run in the partitions)."""
    if currency is not None:
        return
    found = (
        snapshot.policies.select(pl.col("currency").drop_nulls().unique().sort())
        .collect()
        .to_series()
        .to_list()
    )
    if len(found) > 1:
        raise ValueInputError(
            "currencies mixed in one run: "
            + ", ".join(found)
            + " — run once per currency (carecircle value run --currency CNY) / "
            "同一批次中币种不一致,请按币种分别运行"
        )


def _collect(frame: DataFrame, step: str) -> pl.DataFrame:
    started = time.perf_counter()
    collected = pl.from_arrow(frame.toArrow())
    log.info("spark value run: %s in %.1f s", step, time.perf_counter() - started)
    return collected  # type: ignore[return-value]


def run_spark(
    folder: Path | str,
    params: ValueParams,
    spark: SparkSession | None = None,
    *,
    currency: str | None = None,
    partitions: int | None = None,
) -> pl.DataFrame:
    """``results(compute(clean_inputs(scan_snapshot(folder))))``, computed on Spark."""
    folder = Path(folder)
    spark = spark or local_session()
    partitions = partitions or int(spark.conf.get("spark.sql.shuffle.partitions") or 2)
    session_tz = spark.conf.get("spark.sql.session.timeZone") or "UTC"
    started = time.perf_counter()
    snapshot = scan_snapshot(folder)
    _check_currency(snapshot, currency)
    schemas = {t: dict(getattr(snapshot, t).collect_schema()) for t in NEEDED}
    all_features = dict(customer_features(snapshot, params).collect_schema())
    features_schema = {n: d for n, d in all_features.items() if n not in FEATURE_DATES}
    empty = pl.DataFrame(schema=features_schema).lazy()
    no_stats = BookStats(
        0.0,
        0.0,
        pl.DataFrame(schema={**PARTIAL_SCHEMA, "cell_rate": pl.Float64}).select(
            *RENEWAL_KEYS, "cell_rate"
        ),
    )
    output_schema = dict(
        results(
            tiers_phase(
                customer_values(empty, no_stats, params).with_columns(value_percentile=pl.lit(0.0)),
                None,
                params,
            )
        ).collect_schema()
    )

    log.info("spark value run: schemas in %.1f s", time.perf_counter() - started)
    tagged = _route(spark, folder, schemas, partitions)
    log.info("spark value run: routing planned in %.1f s", time.perf_counter() - started)
    features = (
        tagged.groupBy(PART)
        .applyInPandas(
            _phase1(schemas, features_schema, params, currency, session_tz),
            spark_schema({**features_schema, PART: pl.Int64}),
        )
        .persist()
    )
    try:
        partials = _collect(
            features.groupBy(PART).applyInPandas(
                _partials(features_schema), spark_schema(PARTIAL_SCHEMA)
            ),
            "phase 1 (features) and 2 (book partials)",
        )
        kind = pl.col("kind")
        stats = combine_book_partials(
            partials.filter(kind == "totals").select("capped", "earned", "renewed", "expiring"),
            partials.filter(kind == "cell").select(*RENEWAL_KEYS, "n", "rate_sum"),
        )
        sc = spark.sparkContext
        stats_b = sc.broadcast(stats)
        lifetime = _collect(
            features.groupBy(PART).applyInPandas(
                _lifetime_values(features_schema, stats_b, params),
                spark_schema({"lifetime_value": pl.Float64}),
            ),
            "phase 3 (lifetime values for the rank)",
        )["lifetime_value"]
        ranked = sc.broadcast(np.sort(lifetime.drop_nulls().to_numpy()))
        finished = features.groupBy(PART).applyInPandas(
            _finish(features_schema, stats_b, ranked, lifetime.len(), params, output_schema),
            spark_schema(output_schema),
        )
        frame = restore(
            _collect(finished, "phases 3-5 (values, ranks, tiers)"), output_schema, session_tz
        )
    finally:
        features.unpersist()
    return frame.sort("customer_no")
