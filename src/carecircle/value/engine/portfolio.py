"""What the portfolio views group by, and the whole-book summary, computed with the run.

Grouping a million ``CustomerValue`` rows by a per-customer subquery (newest policy's channel,
first car's use, tier a year ago) costs seconds per chart; the run already has these facts in
memory, so it writes them on each row and stores the whole-book Pareto curves on the run.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import polars as pl

from .features import main_policy
from .params import ValueParams
from .pipeline import Inputs
from .snapshot import scan_table
from .tiers import TIER_NAMES

BUCKETS = 100
PARETO_METRICS = ("annual_premium", "annual_margin", "lifetime_value")
DESCRIPTORS = ("main_channel", "province", "vehicle_use", "year_ago_tier")


def descriptors(folder: Path, inputs: Inputs, params: ValueParams) -> pl.LazyFrame:
    """customer_no → main channel and main vehicle use (of the largest policy), province,
    and the tier a year ago (empty when there was none)."""
    main = (
        main_policy(inputs.policies, params)
        .join(
            scan_table(folder, "vehicles").select("vehicle_no", pl.col("use").alias("vehicle_use")),
            on="vehicle_no",
            how="left",
        )
        .drop("vehicle_no")
    )
    prior = (
        inputs.prior
        if inputs.prior is not None
        else pl.LazyFrame(schema={"customer_no": pl.String, "year_ago_rank": pl.Int8})
    )
    year_ago = prior.select(
        "customer_no",
        year_ago_tier=pl.col("year_ago_rank")
        .cast(pl.Int64)
        .replace_strict(dict(enumerate(TIER_NAMES)), return_dtype=pl.String),
    )
    return (
        scan_table(folder, "customers")
        .select("customer_no", "province")
        .join(main, on="customer_no", how="left")
        .join(year_ago, on="customer_no", how="left")
        .select(
            "customer_no",
            *[
                pl.col(c).fill_null("").str.slice(0, 32 if c == "province" else 16)
                for c in DESCRIPTORS
            ],
        )
    )


def pareto(frame: pl.DataFrame, metric: str) -> dict:
    """Cumulative share (%) of ``metric`` held by the top 1%, 2%, … 100% of customers."""
    n = frame.height
    if n == 0:
        return {"total": "0.00", "cumulative": []}
    ranked = frame.select(metric, "customer_no").sort(
        [metric, "customer_no"], descending=[True, False]
    )
    buckets = (
        ranked.with_columns(bucket=(pl.int_range(0, n) * BUCKETS // n) + 1)
        .group_by("bucket")
        .agg(pl.col(metric).sum())
        .sort("bucket")
    )
    total = int(ranked[metric].sum())
    running = buckets[metric].cum_sum()
    cumulative = [round(v * 100 / total, 1) if total else 0.0 for v in running.to_list()]
    return {"total": str(Decimal(total) / 100), "cumulative": cumulative}


def summary(results: pl.DataFrame) -> dict:
    """Whole-book figures the portfolio page shows without scanning the table again."""
    return {
        "pareto": {metric: pareto(results, metric) for metric in PARETO_METRICS},
        "customers": results.height,
        "loss_making": int((results["annual_margin"] < 0).sum()),
    }
