"""Risk and renewal models fitted on the insurer's own book, and their scores for a run.

- risk: one row per policy-year in the look-back, claim events on that policy over its earned
  exposure (Poisson, log-exposure offset) × mean cost per event (Gamma);
- renewal: one row per policy that expired in the last two years (not cancelled), 1 when a
  successor policy renews it.

Scores for the run: expected claim cost of the customer's last-year policies for a full year,
and the premium-weighted renewal probability of those policies.

The price change a renewal quote offered (quoted ÷ last year, renewals app) is a factor: price
is the first reason customers give when they leave (the "why we lose" view), and the quote is
known before the outcome, unlike the lost reason itself, which would leak it. Policies never
quoted (and a generated book) take 1.0, the base level.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from ..ml.encoding import FactorSpec
from ..ml.fitted import FittedModel, RenewalSpec, RiskSpec
from . import features as f
from .params import ValueParams
from .pipeline import SCORES_SCHEMA, Inputs
from .snapshot import scan_table

BOOK_MODEL_NAME = "book"
MAX_TRAINING_ROWS = 400_000  # a seeded sample beyond this: the fit stays a few seconds

RISK_FACTORS = (
    FactorSpec("kind", kind="categorical"),
    FactorSpec("ncd_coefficient", edges=(0.55, 0.65, 0.75, 0.9, 1.1, 1.3, 1.5)),
    FactorSpec("channel", kind="categorical"),
    FactorSpec("vehicle_age", bins=5),
    FactorSpec("price", bins=6),
    FactorSpec("new_energy", kind="categorical"),
    FactorSpec("use", kind="categorical"),
    FactorSpec("customer_kind", kind="categorical"),
)
BOOK_RISK = RiskSpec(
    factors=RISK_FACTORS,
    claim_count="nclaims",
    exposure="expo",
    claim_amount="amount",
    severity_factors=(
        FactorSpec("kind", kind="categorical"),
        FactorSpec("price", bins=4),
        FactorSpec("use", kind="categorical"),
    ),
    alpha=1e-4,
)
BOOK_RENEWAL = RenewalSpec(
    factors=(
        FactorSpec("kind", kind="categorical"),
        FactorSpec("channel", kind="categorical"),
        FactorSpec("ncd_coefficient", edges=(0.55, 0.65, 0.75, 0.9, 1.1, 1.3)),
        FactorSpec("log_premium", bins=6),
        FactorSpec("policy_claims", edges=(1, 2)),
        FactorSpec("tenure", edges=(1, 2, 3, 5, 8)),
        FactorSpec("vehicles_held", edges=(2, 3)),
        FactorSpec("satisfaction", edges=(3, 4, 4.5)),
        FactorSpec("services_used", edges=(1, 3)),
        FactorSpec("price_change", edges=(0.9, 0.97, 1.03, 1.1)),
    ),
    target="renewed",
    alpha=1e-4,
)


def _vehicle_factors(folder: Path, inputs: Inputs, as_of: dt.date) -> pl.LazyFrame:
    vehicles = scan_table(folder, "vehicles").select(
        "vehicle_no", "first_registration", "new_energy", "use", "price"
    )
    customers = scan_table(folder, "customers").select(
        "customer_no", pl.col("kind").alias("customer_kind"), "first_insured_on"
    )
    held = vehicles.join(
        scan_table(folder, "vehicles").select("vehicle_no", "customer_no"), on="vehicle_no"
    )
    counts = held.group_by("customer_no").agg(vehicles_held=pl.len().cast(pl.Float64))
    return (
        inputs.policies.join(vehicles, on="vehicle_no", how="left")
        .join(customers, on="customer_no", how="left")
        .join(counts, on="customer_no", how="left")
        .with_columns(
            vehicle_age=(
                (pl.col("effective_date") - pl.col("first_registration")).dt.total_days() / 365.25
            ).fill_null(0.0),
            price=pl.col("price").cast(pl.Float64).fill_null(0.0),
            ncd_coefficient=pl.col("ncd_coefficient").cast(pl.Float64).fill_null(1.0),
            new_energy=pl.col("new_energy").cast(pl.String).fill_null("false"),
            use=pl.col("use").fill_null("(unknown)"),
            customer_kind=pl.col("customer_kind").fill_null("person"),
            channel=pl.col("channel").fill_null("(unknown)"),
            log_premium=pl.col("premium").cast(pl.Float64).clip(lower_bound=1.0).log(),
            tenure=(
                (pl.col("effective_date") - pl.col("first_insured_on")).dt.total_days() / 365.25
            )
            .clip(lower_bound=0)
            .fill_null(0.0),
            vehicles_held=pl.col("vehicles_held").fill_null(1.0),
        )
    )


def price_change(folder: Path) -> pl.LazyFrame:
    """Per expiring policy: the latest renewal quote ÷ last year's premium (absent → none)."""
    path = Path(folder) / "renewal_quotes.parquet"
    if not path.exists():
        return pl.LazyFrame(schema={"policy_no": pl.String, "price_change": pl.Float64})
    return (
        pl.scan_parquet(path)
        .filter(pl.col("last_year_total") > 0)
        .select(
            "policy_no",
            price_change=pl.col("quoted_total").cast(pl.Float64)
            / pl.col("last_year_total").cast(pl.Float64),
        )
    )


def _policy_claims(inputs: Inputs, params: ValueParams) -> pl.LazyFrame:
    events = f.claim_events(f.claim_features(inputs.claims, inputs.policies, params))
    by_policy = (
        inputs.claims.select("policy_no", "vehicle_no", "accident_at")
        .unique(["vehicle_no", "accident_at"])
        .join(events, on=["vehicle_no", "accident_at"])
    )
    return by_policy.group_by("policy_no").agg(
        nclaims=pl.len().cast(pl.Float64),
        amount=(pl.col("incurred_c").sum() / 100.0).cast(pl.Float64),
    )


def _experience(inputs: Inputs, params: ValueParams) -> pl.LazyFrame:
    return f.customer_experience(inputs.interactions, params).select(
        "customer_no",
        pl.col("satisfaction").fill_null(4.0),
        pl.col("services_used").cast(pl.Float64),
    )


def risk_frame(folder: Path, inputs: Inputs, params: ValueParams) -> pl.DataFrame:
    base = f.policy_features(_vehicle_factors(folder, inputs, params.as_of), params)
    return (
        base.filter(pl.col("in_window") & (pl.col("earned_frac") > 0.01))
        .join(_policy_claims(inputs, params), on="policy_no", how="left")
        .with_columns(
            nclaims=pl.col("nclaims").fill_null(0.0),
            amount=pl.col("amount").fill_null(0.0),
            expo=pl.col("earned_frac"),
        )
        .collect()
    )


def renewal_frame(folder: Path, inputs: Inputs, params: ValueParams) -> pl.DataFrame:
    as_of = pl.lit(params.as_of)
    two_years = pl.lit(params.as_of - dt.timedelta(days=730))
    successors = (
        inputs.policies.filter(pl.col("renews_policy_no").is_not_null())
        .select(pl.col("renews_policy_no").alias("policy_no"))
        .unique()
        .with_columns(renewed=pl.lit(1.0))
    )
    return (
        _vehicle_factors(folder, inputs, params.as_of)
        .filter(
            (pl.col("expiry_date") <= as_of)
            & (pl.col("expiry_date") > two_years)
            & pl.col("cancelled_on").is_null()
        )
        .join(successors, on="policy_no", how="left")
        .join(_policy_claims(inputs, params), on="policy_no", how="left")
        .join(_experience(inputs, params), on="customer_no", how="left")
        .join(price_change(folder), on="policy_no", how="left")
        .with_columns(
            renewed=pl.col("renewed").fill_null(0.0),
            price_change=pl.col("price_change").fill_null(1.0),
            policy_claims=pl.col("nclaims").fill_null(0.0),
            satisfaction=pl.col("satisfaction").fill_null(4.0),
            services_used=pl.col("services_used").fill_null(0.0),
        )
        .collect()
    )


def sample(frame: pl.DataFrame, seed: int = 0) -> pl.DataFrame:
    if frame.height <= MAX_TRAINING_ROWS:
        return frame
    return frame.sample(MAX_TRAINING_ROWS, seed=seed)


def score(
    folder: Path,
    inputs: Inputs,
    params: ValueParams,
    risk: FittedModel | None,
    renewal: FittedModel | None,
) -> pl.LazyFrame:
    """Per customer: expected annual claims (risk model) and renewal probability."""
    current = (
        f.policy_features(_vehicle_factors(folder, inputs, params.as_of), params)
        .filter(pl.col("in_last_year"))
        .join(_policy_claims(inputs, params), on="policy_no", how="left")
        .join(_experience(inputs, params), on="customer_no", how="left")
        .join(price_change(folder), on="policy_no", how="left")
        .with_columns(
            policy_claims=pl.col("nclaims").fill_null(0.0),
            satisfaction=pl.col("satisfaction").fill_null(4.0),
            services_used=pl.col("services_used").fill_null(0.0),
            price_change=pl.col("price_change").fill_null(1.0),
        )
        .collect()
    )
    none = pl.Series([None] * current.height, dtype=pl.Float64)
    cost = pl.Series(risk.predict(current)) if risk is not None else none
    renew = pl.Series(renewal.predict(current)) if renewal is not None else none
    scored = current.select("customer_no", "premium_f").with_columns(
        cost=cost, renew=renew.clip(0.0, 1.0)
    )
    weights = pl.col("premium_f").clip(lower_bound=1e-9)
    return (
        scored.group_by("customer_no")
        .agg(
            expected_claims_f=pl.col("cost").sum() if risk is not None else pl.lit(None),
            renewal_probability_model=(pl.col("renew") * weights).sum() / weights.sum()
            if renewal is not None
            else pl.lit(None),
        )
        .cast({k: v for k, v in SCORES_SCHEMA.items() if k != "customer_no"})  # type: ignore[arg-type]
        .lazy()
    )
