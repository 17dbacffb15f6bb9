"""The per-customer value computation: one lazy Polars plan over the canonical tables.

``compute`` returns one row per customer with both sides of value, the tier decided by the
rules and the humane rules, and reason codes.  It is pure (no Django, no I/O beyond the lazy
frames given), so the Spark runner and the benchmark's pandas baseline can be checked against it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from . import features as f
from .params import ValueParams
from .tiers import decide_tiers

# Renewal-rate cells shrink towards the book rate with this many customers' weight.
RENEWAL_CELL_PRIOR = 50.0

PRIOR_SCHEMA = {
    "customer_no": pl.String,
    "previous_rank": pl.Int8,
    "year_ago_rank": pl.Int8,
    "approved_rank": pl.Int8,
    "open_list": pl.Boolean,
}
SCORES_SCHEMA = {
    "customer_no": pl.String,
    "expected_claims_f": pl.Float64,
    "renewal_probability_model": pl.Float64,
}


ZERO_INT = [
    "written_premium_c",
    "annual_premium_c",
    "policies_in_force",
    "vehicles",
    "claims_paid_c",
    "claims_outstanding_c",
    "claims_recovered_c",
    "claims_count",
    "claims_y0",
    "claims_y1",
    "claims_y2",
    "max_incurred_c",
    "services_used",
    "complaints",
    "expiring",
    "renewed",
]
ZERO_FLOAT = [
    "earned_premium_f",
    "expense_f",
    "discounts_f",
    "annual_expense_f",
    "capped_incurred_f",
]


@dataclass
class Inputs:
    """Lazy canonical tables; ``prior`` carries last decisions, ``scores`` model outputs."""

    customers: pl.LazyFrame
    policies: pl.LazyFrame
    claims: pl.LazyFrame
    interactions: pl.LazyFrame
    # Alliance redemptions at their agreed price (export.scan_service_uses); None for a
    # generated book, whose services keep the placeholder value.
    service_uses: pl.LazyFrame | None = None
    prior: pl.LazyFrame | None = None
    scores: pl.LazyFrame | None = None
    notes: list[str] = field(default_factory=list)


def empty_prior() -> pl.LazyFrame:
    return pl.LazyFrame(schema=PRIOR_SCHEMA)


def tenure_bucket(tenure: pl.Expr) -> pl.Expr:
    return (
        pl.when(tenure < 1)
        .then(pl.lit("<1"))
        .when(tenure < 3)
        .then(pl.lit("1-3"))
        .when(tenure < 5)
        .then(pl.lit("3-5"))
        .otherwise(pl.lit("5+"))
    )


RENEWAL_KEYS = ["main_channel", "had_claim", "tenure_bucket"]


@dataclass(frozen=True)
class BookStats:
    """The few book-wide figures the per-customer values need (a reduce over all customers).

    ``book_loss_ratio``: capped incurred ÷ earned premium of the whole book (credibility
    complement); ``renewal_cells``: renewal rate by RENEWAL_KEYS shrunk towards ``book_renewal``.
    """

    book_loss_ratio: float
    book_renewal: float
    renewal_cells: pl.DataFrame


def customer_features(inputs: Inputs, params: ValueParams) -> pl.LazyFrame:
    """Phase 1, per customer and local: a customer's row needs only that customer's records."""
    policies = inputs.policies
    pf = f.policy_features(policies, params)
    frame = (
        inputs.customers.select("customer_no", "first_insured_on")
        .join(f.customer_policy_totals(pf), on="customer_no", how="left")
        .join(
            f.customer_claim_totals(f.claim_features(inputs.claims, policies, params), params),
            on="customer_no",
            how="left",
        )
        .join(f.customer_experience(inputs.interactions, params), on="customer_no", how="left")
        .join(f.customer_service_value(inputs.service_uses, params), on="customer_no", how="left")
        .join(f.renewal_outcomes(policies, params), on="customer_no", how="left")
        .join(f.main_channel(policies, params), on="customer_no", how="left")
    )
    as_of = pl.lit(params.as_of)
    started = pl.coalesce("first_insured_on", "first_effective")
    return (
        frame.with_columns(
            [pl.col(c).fill_null(0) for c in ZERO_INT]
            + [pl.col(c).fill_null(0.0) for c in ZERO_FLOAT]
            + [pl.col("large_injury_recent").fill_null(False)]
        )
        .with_columns(
            tenure_years=((as_of - started).dt.total_days() / 365.25)
            .clip(lower_bound=0)
            .fill_null(0.0),
            had_claim=pl.col("claims_y0") > 0,
            loss_ratio_3y=pl.when(pl.col("earned_premium_f") > 0).then(
                # net of recoveries (#16)
                (
                    pl.col("claims_paid_c")
                    + pl.col("claims_outstanding_c")
                    - pl.col("claims_recovered_c")
                )
                / 100.0
                / pl.col("earned_premium_f")
            ),
        )
        .with_columns(tenure_bucket=tenure_bucket(pl.col("tenure_years")))
    )


def book_partials(features: pl.LazyFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Phase 2, the additive part: sums over some customers (all, or one Spark partition).

    ``totals``: one row of BOOK_TOTALS; ``cells``: per renewal cell, customers ``n`` and the
    sum of their renewal rates.  Partials of disjoint parts of the book combine by adding.
    """
    totals = features.select(
        capped=pl.col("capped_incurred_f").sum(),
        earned=pl.col("earned_premium_f").sum(),
        renewed=pl.col("renewed").sum(),
        expiring=pl.col("expiring").sum(),
    ).collect()
    cells = (
        features.filter(pl.col("expiring") > 0)
        .group_by(RENEWAL_KEYS)
        .agg(
            n=pl.len().cast(pl.Float64),
            rate_sum=(pl.col("renewed") / pl.col("expiring")).sum(),
        )
        .collect()
    )
    return totals, cells


def combine_book_partials(totals: pl.DataFrame, cells: pl.DataFrame) -> BookStats:
    """Phase 2, the combine: partials of disjoint parts of the book → the book's figures."""
    total = totals.select(pl.all().sum()).row(0, named=True)
    book_lr = total["capped"] / total["earned"] if total["earned"] else 0.0
    book_renewal = total["renewed"] / total["expiring"] if total["expiring"] else 0.0
    renewal_cells = (
        cells.group_by(RENEWAL_KEYS)
        .agg(pl.col("n").sum(), pl.col("rate_sum").sum())
        .with_columns(rate=pl.col("rate_sum") / pl.col("n"))
        .with_columns(
            cell_rate=(pl.col("n") * pl.col("rate") + RENEWAL_CELL_PRIOR * book_renewal)
            / (pl.col("n") + RENEWAL_CELL_PRIOR)
        )
        .select(*RENEWAL_KEYS, "cell_rate")
        .sort(RENEWAL_KEYS, nulls_last=True)
    )
    return BookStats(float(book_lr), float(book_renewal), renewal_cells)


def book_stats(features: pl.LazyFrame) -> BookStats:
    """Phase 2, global: sums and renewal cells (small; Spark combines per-partition partials)."""
    return combine_book_partials(*book_partials(features))


def customer_values(
    features: pl.LazyFrame,
    stats: BookStats,
    params: ValueParams,
    scores: pl.LazyFrame | None = None,
) -> pl.LazyFrame:
    """Phase 3, per customer and local given ``stats``: both sides of value and LTV."""
    z = pl.col("earned_premium_f") / (pl.col("earned_premium_f") + params.credibility_premium)
    own_lr = pl.col("capped_incurred_f") / pl.col("earned_premium_f")
    frame = features.with_columns(
        # The renewal fallback: observed rate of the customer's cell (docs/value.md).
        loss_ratio_credible=pl.when(pl.col("earned_premium_f") > 0)
        .then(z * own_lr + (1 - z) * stats.book_loss_ratio)
        .otherwise(stats.book_loss_ratio)
        .fill_nan(0.0),
    ).join(stats.renewal_cells.lazy(), on=RENEWAL_KEYS, how="left", nulls_equal=True)
    scores = scores if scores is not None else pl.LazyFrame(schema=SCORES_SCHEMA)
    frame = frame.join(scores, on="customer_no", how="left")
    annual_premium = pl.col("annual_premium_c") / 100.0
    frame = frame.with_columns(
        renewal_probability=pl.coalesce(
            "renewal_probability_model", "cell_rate", pl.lit(stats.book_renewal)
        ).clip(0.0, 0.999),
        expected_claims=pl.coalesce(
            "expected_claims_f", annual_premium * pl.col("loss_ratio_credible")
        ),
    ).with_columns(
        annual_margin=annual_premium - pl.col("expected_claims") - pl.col("annual_expense_f"),
    )
    # LTV = Σ_{t=1..H} r^t · margin / (1+d)^t = margin · q(1 − q^H)/(1 − q), q = r/(1+d).
    q = pl.col("renewal_probability") / (1 + params.discount_rate)
    return frame.with_columns(
        lifetime_value=pl.col("annual_margin") * q * (1 - q.pow(params.horizon_years)) / (1 - q),
        services_value_f=f.services_value(params),
    ).with_columns(
        value_delivered_f=pl.col("claims_paid_c") / 100.0
        + pl.col("services_value_f")
        + pl.col("discounts_f"),
    )


def percentile_of_rank(rank: pl.Expr, count: pl.Expr | int) -> pl.Expr:
    """Share of customers ranked above: ``rank`` is the "min" rank by lifetime value, top = 1."""
    return (rank - 1) / count


def value_percentile(lifetime_value: pl.Expr, count: pl.Expr | int) -> pl.Expr:
    """Phase 4, global: share of customers with a higher lifetime value (top = 0)."""
    return percentile_of_rank(lifetime_value.rank("min", descending=True), count)


def tiers_phase(
    frame: pl.LazyFrame, prior: pl.LazyFrame | None, params: ValueParams
) -> pl.LazyFrame:
    """Phase 5, per customer: tiers, humane rules and reasons (``frame`` has percentiles)."""
    prior = prior if prior is not None else empty_prior()
    return decide_tiers(frame.join(prior, on="customer_no", how="left"), params)


def compute(inputs: Inputs, params: ValueParams) -> pl.LazyFrame:
    """All phases embedded: features are materialised once, then values, ranks and tiers."""
    # The streaming engine runs the scans, joins and group-bys morsel by morsel on all cores:
    # faster and a third less memory than the in-memory engine at 1M customers.
    features = customer_features(inputs, params).collect(engine="streaming").lazy()
    stats = book_stats(features)
    frame = customer_values(features, stats, params, inputs.scores)
    frame = frame.with_columns(
        value_percentile=value_percentile(pl.col("lifetime_value"), pl.len())
    )
    return tiers_phase(frame, inputs.prior, params)


MONEY_OUT = {
    "written_premium_3y": pl.col("written_premium_c"),
    "earned_premium_3y": f.cents(pl.col("earned_premium_f")),
    "claims_paid_3y": pl.col("claims_paid_c"),
    "claims_outstanding": pl.col("claims_outstanding_c"),
    "expense_3y": f.cents(pl.col("expense_f")),
    "annual_premium": pl.col("annual_premium_c"),
    "expected_claims": f.cents(pl.col("expected_claims")),
    "annual_margin": f.cents(pl.col("annual_margin")),
    "lifetime_value": f.cents(pl.col("lifetime_value")),
    "delivered_claims_paid_3y": pl.col("claims_paid_c"),
    "services_value_3y": f.cents(pl.col("services_value_f")),
    "discounts_3y": f.cents(pl.col("discounts_f")),
    "value_delivered_3y": f.cents(pl.col("value_delivered_f")),
}
OUTPUT_COLUMNS = [
    "customer_no",
    "tenure_years",
    "vehicles",
    "policies_in_force",
    "claims_count_3y",
    "loss_ratio_3y",
    "loss_ratio_credible",
    "renewal_probability",
    "value_percentile",
    "days_to_pay_median",
    "services_used_3y",
    "satisfaction",
    "complaints_3y",
    "rule_tier",
    "tier",
    "previous_tier",
    "reasons",
    "needs_review",
    "list_proposal",
    *MONEY_OUT,
]


def results(frame: pl.LazyFrame) -> pl.LazyFrame:
    """The stored shape: money in integer cents (``*`` columns of MONEY_OUT), ratios rounded."""
    return frame.select(
        "customer_no",
        pl.col("tenure_years").round(1),
        "vehicles",
        "policies_in_force",
        pl.col("claims_count").alias("claims_count_3y"),
        pl.col("loss_ratio_3y").round(4),
        pl.col("loss_ratio_credible").round(4),
        pl.col("renewal_probability").round(4),
        pl.col("value_percentile").round(4),
        pl.col("days_to_pay_median").round(1),
        pl.col("services_used").alias("services_used_3y"),
        pl.col("satisfaction").round(2),
        pl.col("complaints").alias("complaints_3y"),
        "rule_tier",
        "tier",
        "previous_tier",
        "reasons",
        "needs_review",
        "list_proposal",
        *[expr.alias(name) for name, expr in MONEY_OUT.items()],
    ).sort("customer_no")
