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


@dataclass
class Inputs:
    """Lazy canonical tables; ``prior`` carries last decisions, ``scores`` model outputs."""

    customers: pl.LazyFrame
    policies: pl.LazyFrame
    claims: pl.LazyFrame
    interactions: pl.LazyFrame
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


def _empirical_renewal(frame: pl.LazyFrame) -> pl.LazyFrame:
    """Renewal rate by (channel, claim last year, tenure), shrunk towards the book rate.

    The fallback when no renewal model is active: observed on the customers who had a policy
    expire in the last year, applied to everyone in the same cell.
    """
    keys = ["main_channel", "had_claim", "tenure_bucket"]
    book = pl.col("renewed").sum() / pl.col("expiring").sum()
    cells = (
        frame.filter(pl.col("expiring") > 0)
        .with_columns(book_rate=book)
        .group_by(keys)
        .agg(
            n=pl.len().cast(pl.Float64),
            rate=(pl.col("renewed") / pl.col("expiring")).mean(),
            book_rate=pl.col("book_rate").first(),
        )
        .with_columns(
            cell_rate=(pl.col("n") * pl.col("rate") + RENEWAL_CELL_PRIOR * pl.col("book_rate"))
            / (pl.col("n") + RENEWAL_CELL_PRIOR)
        )
    )
    book_rate = frame.filter(pl.col("expiring") > 0).select(
        book_rate=(pl.col("renewed").sum() / pl.col("expiring").sum()).fill_nan(0.0)
    )
    return (
        frame.join(cells.select(*keys, "cell_rate"), on=keys, how="left", nulls_equal=True)
        .join(book_rate, how="cross")
        .with_columns(
            renewal_probability_empirical=pl.coalesce("cell_rate", "book_rate", pl.lit(0.0))
        )
        .drop("cell_rate", "book_rate")
    )


def compute(inputs: Inputs, params: ValueParams) -> pl.LazyFrame:
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
        .join(f.renewal_outcomes(policies, params), on="customer_no", how="left")
    )
    zero_int = [
        "written_premium_c",
        "annual_premium_c",
        "policies_in_force",
        "vehicles",
        "claims_paid_c",
        "claims_outstanding_c",
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
    zero_float = [
        "earned_premium_f",
        "expense_f",
        "discounts_f",
        "annual_expense_f",
        "capped_incurred_f",
    ]
    as_of = pl.lit(params.as_of)
    started = pl.coalesce("first_insured_on", "first_effective")
    frame = frame.with_columns(
        [pl.col(c).fill_null(0) for c in zero_int]
        + [pl.col(c).fill_null(0.0) for c in zero_float]
        + [pl.col("large_injury_recent").fill_null(False)]
    ).with_columns(
        tenure_years=((as_of - started).dt.total_days() / 365.25)
        .clip(lower_bound=0)
        .fill_null(0.0),
        had_claim=pl.col("claims_y0") > 0,
    )
    frame = frame.with_columns(tenure_bucket=tenure_bucket(pl.col("tenure_years")))

    # Loss ratio: raw, and credibility-weighted towards the book on capped claims.
    book_lr = pl.col("capped_incurred_f").sum() / pl.col("earned_premium_f").sum()
    z = pl.col("earned_premium_f") / (pl.col("earned_premium_f") + params.credibility_premium)
    own_lr = pl.col("capped_incurred_f") / pl.col("earned_premium_f")
    frame = frame.with_columns(
        loss_ratio_3y=pl.when(pl.col("earned_premium_f") > 0).then(
            (pl.col("claims_paid_c") + pl.col("claims_outstanding_c"))
            / 100.0
            / pl.col("earned_premium_f")
        ),
        loss_ratio_credible=pl.when(pl.col("earned_premium_f") > 0)
        .then(z * own_lr + (1 - z) * book_lr)
        .otherwise(book_lr)
        .fill_nan(0.0),
    )

    frame = _empirical_renewal(frame)
    scores = inputs.scores if inputs.scores is not None else pl.LazyFrame(schema=SCORES_SCHEMA)
    frame = frame.join(scores, on="customer_no", how="left")
    annual_premium = pl.col("annual_premium_c") / 100.0
    frame = frame.with_columns(
        renewal_probability=pl.coalesce(
            "renewal_probability_model", "renewal_probability_empirical"
        ).clip(0.0, 0.999),
        expected_claims=pl.coalesce(
            "expected_claims_f", annual_premium * pl.col("loss_ratio_credible")
        ),
    ).with_columns(
        annual_margin=annual_premium - pl.col("expected_claims") - pl.col("annual_expense_f"),
    )
    # LTV = Σ_{t=1..H} r^t · margin / (1+d)^t = margin · q(1 − q^H)/(1 − q), q = r/(1+d).
    q = pl.col("renewal_probability") / (1 + params.discount_rate)
    frame = frame.with_columns(
        lifetime_value=pl.col("annual_margin") * q * (1 - q.pow(params.horizon_years)) / (1 - q)
    )
    count = pl.len()
    frame = frame.with_columns(
        value_percentile=(pl.col("lifetime_value").rank("min", descending=True) - 1) / count,
        services_value_f=pl.col("services_used") * params.service_unit_value,
    ).with_columns(
        value_delivered_f=pl.col("claims_paid_c") / 100.0
        + pl.col("services_value_f")
        + pl.col("discounts_f"),
    )
    prior = inputs.prior if inputs.prior is not None else empty_prior()
    frame = frame.join(prior, on="customer_no", how="left")
    return decide_tiers(frame, params)


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
