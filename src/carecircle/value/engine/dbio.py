"""Reading the last decisions from the database and writing a run's results in bulk."""

from __future__ import annotations

import datetime as dt

import polars as pl

from carecircle.core import bulk
from carecircle.parties.models import Customer

from ..models import CustomerValue, ListEntry, TierHistory, TierReview, ValueRun
from ..models.lists import OPEN_LIST_STATUSES
from ..models.tiers import TIER_RANKS, ReviewStatus
from .pipeline import MONEY_OUT, OUTPUT_COLUMNS, PRIOR_SCHEMA
from .portfolio import DESCRIPTORS

BATCH = 50_000


def customer_ids() -> pl.DataFrame:
    return bulk.read_frame(
        [("customer_no", "customer_no"), ("id", "customer_id")],
        Customer._meta.db_table,
        {"customer_no": pl.String, "customer_id": pl.Int64},
    )


def _ranked(frame: pl.DataFrame, value_name: str, ids: pl.DataFrame) -> pl.DataFrame:
    """(customer_id, tier) → (customer_no, rank) keeping the last row per customer."""
    return (
        frame.with_columns(
            pl.col("tier").replace_strict(TIER_RANKS, return_dtype=pl.Int8).alias(value_name)
        )
        .unique("customer_id", keep="last", maintain_order=True)
        .join(ids, on="customer_id")
        .select("customer_no", value_name)
    )


def _tiers(select_from: str) -> pl.DataFrame:
    return bulk.read_frame(
        [("customer_id", "customer_id"), ("tier", "tier")],
        select_from,
        {"customer_id": pl.Int64, "tier": pl.String},
    )


def prior_decisions(as_of: dt.date, ids: pl.DataFrame) -> pl.LazyFrame:
    """previous tier (current run), tier a year ago, a person's decision of the last year,
    and whether a list entry is open — the humane rules need all four."""
    values, runs = CustomerValue._meta.db_table, ValueRun._meta.db_table
    current = _tiers(f"{values} JOIN {runs} r ON r.id = run_id WHERE r.is_current = TRUE")
    year_ago_cut = as_of - dt.timedelta(days=365)
    # Ordered so the last row per customer is the tier held on the cut-off date.
    history = _tiers(
        f"{TierHistory._meta.db_table} WHERE as_of <= '{year_ago_cut.isoformat()}' "
        "ORDER BY customer_id, as_of, id"
    )
    reviews = (
        TierReview.objects.filter(
            status__in=(ReviewStatus.APPROVED, ReviewStatus.KEPT),
            decided_at__date__gt=year_ago_cut,
        )
        .order_by("customer_id", "decided_at", "id")
        .values_list("customer_id", "status", "proposed_tier", "current_tier")
    )
    decided = pl.DataFrame(
        [
            (cid, proposed if status == ReviewStatus.APPROVED else kept)
            for cid, status, proposed, kept in reviews
        ],
        schema={"customer_id": pl.Int64, "tier": pl.String},
        orient="row",
    )
    listed = set(
        ListEntry.objects.filter(status__in=OPEN_LIST_STATUSES).values_list(
            "customer_id", flat=True
        )
    )
    frame = (
        ids.lazy()
        .join(_ranked(current, "previous_rank", ids).lazy(), on="customer_no", how="left")
        .join(_ranked(history, "year_ago_rank", ids).lazy(), on="customer_no", how="left")
        .join(_ranked(decided, "approved_rank", ids).lazy(), on="customer_no", how="left")
        .with_columns(open_list=pl.col("customer_id").is_in(list(listed)))
    )
    return frame.select(list(PRIOR_SCHEMA)).cast(PRIOR_SCHEMA)  # type: ignore[arg-type]


def money_text(expr: pl.Expr) -> pl.Expr:
    """Integer cents → exact decimal text ("-12.05")."""
    absolute = expr.abs()
    return pl.concat_str(
        [
            pl.when(expr < 0).then(pl.lit("-")).otherwise(pl.lit("")),
            (absolute // 100).cast(pl.String),
            pl.lit("."),
            (absolute % 100).cast(pl.String).str.zfill(2),
        ]
    )


def db_rows(results: pl.DataFrame, run: ValueRun, ids: pl.DataFrame) -> pl.DataFrame:
    frame = results.join(ids, on="customer_no", how="inner").with_columns(
        run_id=pl.lit(run.pk, dtype=pl.Int64),
        **{name: money_text(pl.col(name)) for name in MONEY_OUT},
    )
    columns = ["run_id", "customer_id", *[c for c in OUTPUT_COLUMNS if c != "customer_no"]]
    columns += [c for c in DESCRIPTORS if c in frame.columns]
    return frame.select(columns)


def write_results(frame: pl.DataFrame, progress=None) -> int:
    return write_frame(CustomerValue._meta.db_table, frame, progress)


def write_frame(table: str, frame: pl.DataFrame, progress=None) -> int:
    """Insert rows whose columns are the table's (``core.bulk``: COPY on PostgreSQL,
    executemany elsewhere), ``BATCH`` rows at a time; ``progress`` gets the rows sent."""
    return bulk.insert_rows(table, frame, batch_size=BATCH, progress=progress)
