"""Per-customer features from the canonical tables (lazy Polars, no Django).

Money is summed as integer cents (exact); ratios and discounted values are floats and are
rounded to cents only at the end.  Column meanings are in docs/value.md.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import polars as pl

from carecircle.claims.choices import ClaimStatus
from carecircle.policies.choices import SERVICE_RIDERS

from .params import ValueParams

DAY = dt.timedelta(days=1)
TIME_ZONE = "Asia/Shanghai"
EXCLUDED_CLAIM_STATUSES = ("withdrawn", "rejected")
# Service riders (rescue, safety check, …) are services, not claims: they never count as an
# accident (claims.selectors.history, the NCD's rule); their cost stays in the loss figures.
RIDER_CODES = tuple(sorted(str(code.value) for code in SERVICE_RIDERS))
# Claims with a reserve still outstanding: every workflow step before payment (claims/choices).
OPEN_CLAIM_STATUSES = tuple(
    str(s.value)
    for s in ClaimStatus
    if s
    not in {
        ClaimStatus.PAID,
        ClaimStatus.FOLLOWED_UP,
        ClaimStatus.CLOSED,
        ClaimStatus.WITHDRAWN,
        ClaimStatus.REJECTED,
    }
)


def cents(expr: pl.Expr) -> pl.Expr:
    """Decimal yuan → Int64 cents (exact for Decimal input, rounded for floats)."""
    return (expr.cast(pl.Float64) * 100).round(0).cast(pl.Int64)


def local_midnight(day: dt.date) -> pl.Expr:
    midnight = dt.datetime.combine(day, dt.time(), tzinfo=ZoneInfo(TIME_ZONE))
    return pl.lit(midnight, dtype=pl.Datetime("us", TIME_ZONE))


def lookback_start(params: ValueParams) -> dt.date:
    return params.as_of - params.lookback_years * 365 * DAY


def policy_features(policies: pl.LazyFrame, params: ValueParams) -> pl.LazyFrame:
    """One row per policy that has started by ``as_of``, with window flags and money."""
    as_of = pl.lit(params.as_of)
    start = pl.lit(lookback_start(params))
    last_year = pl.lit(params.as_of - 365 * DAY)
    rates = {k: float(v) for k, v in params.expense_rates.items()}
    ends = pl.min_horizontal(
        as_of, pl.col("expiry_date"), pl.col("cancelled_on").fill_null(pl.col("expiry_date"))
    )
    term_days = (
        (pl.col("expiry_date") - pl.col("effective_date")).dt.total_days().clip(lower_bound=1)
    )
    coefficient = pl.col("ncd_coefficient").cast(pl.Float64) * pl.col("pricing_coefficient").cast(
        pl.Float64
    )
    return (
        policies.filter(pl.col("effective_date") <= as_of)
        .with_columns(
            premium_c=cents(pl.col("premium")),
            premium_f=pl.col("premium").cast(pl.Float64),
            in_window=pl.col("effective_date") > start,
            in_last_year=pl.col("effective_date") > last_year,
            in_force=(pl.col("expiry_date") > as_of)
            & (pl.col("cancelled_on").is_null() | (pl.col("cancelled_on") > as_of)),
            earned_frac=((ends - pl.col("effective_date")).dt.total_days() / term_days).clip(
                0.0, 1.0
            ),
            expense_rate=pl.col("channel").replace_strict(
                rates, default=params.default_expense_rate, return_dtype=pl.Float64
            ),
            coefficient=coefficient,
        )
        .with_columns(
            # The discount a customer receives: base premium − premium paid, where the
            # rating factor is below 1 (NCD × autonomous pricing coefficient).
            discount_f=pl.when(pl.col("coefficient") > 0)
            .then(pl.col("premium_f") / pl.col("coefficient") - pl.col("premium_f"))
            .otherwise(0.0)
            .clip(lower_bound=0.0)
        )
        .with_columns(
            # Each policy's amounts rounded to the cent first: integer sums are exact and do
            # not depend on summation order (float sums flipped half cents between runs).
            earned_c=cents(pl.col("premium_f") * pl.col("earned_frac")),
            expense_c=cents(pl.col("premium_f") * pl.col("expense_rate")),
            discount_c=cents(pl.col("discount_f")),
        )
    )


def customer_policy_totals(pf: pl.LazyFrame) -> pl.LazyFrame:
    # Masks applied row-wise before grouping: a filter inside each aggregation builds
    # per-group subsets and was 4× slower at 5M policies.
    window, last, in_force = pl.col("in_window"), pl.col("in_last_year"), pl.col("in_force")

    def masked(column: str, condition: pl.Expr) -> pl.Expr:
        return pl.when(condition).then(pl.col(column)).otherwise(0)

    return (
        pf.with_columns(
            _written=masked("premium_c", window),
            _earned=masked("earned_c", window),
            _expense=masked("expense_c", window),
            _discount=masked("discount_c", window),
            _annual=masked("premium_c", last),
            _annual_expense=masked("expense_c", last),
            _vehicle_in_force=pl.when(in_force).then(pl.col("vehicle_no")),
        )
        .group_by("customer_no")
        .agg(
            written_premium_c=pl.col("_written").sum(),
            earned_premium_f=pl.col("_earned").sum() / 100.0,
            expense_f=pl.col("_expense").sum() / 100.0,
            discounts_f=pl.col("_discount").sum() / 100.0,
            annual_premium_c=pl.col("_annual").sum(),
            annual_expense_f=pl.col("_annual_expense").sum() / 100.0,
            policies_in_force=in_force.sum().cast(pl.Int64),
            vehicles=pl.col("_vehicle_in_force").drop_nulls().n_unique().cast(pl.Int64),
            first_effective=pl.col("effective_date").min(),
        )
    )


def main_policy(policies: pl.LazyFrame, params: ValueParams) -> pl.LazyFrame:
    """customer_no → channel and vehicle_no of the customer's largest policy in force by
    ``as_of`` (ties: the highest policy number). The one definition of "main" for the value
    engine: the renewal model's channel and the Pareto page's descriptors both use it.

    Filtering to each customer's largest premium first is several times faster than sorting
    within every group, and the tie-break keeps the answer independent of row order.
    """
    biggest = pl.col("premium") == pl.col("premium").max().over("customer_no")
    return (
        policies.filter(pl.col("effective_date") <= pl.lit(params.as_of))
        .select("customer_no", "premium", "policy_no", "channel", "vehicle_no")
        .filter(biggest)
        .group_by("customer_no")
        .agg(
            main_channel=pl.col("channel").sort_by("policy_no").last(),
            vehicle_no=pl.col("vehicle_no").sort_by("policy_no").last(),
        )
    )


def main_channel(policies: pl.LazyFrame, params: ValueParams) -> pl.LazyFrame:
    """The channel of the customer's largest policy (see ``main_policy``)."""
    return main_policy(policies, params).select("customer_no", "main_channel")


def claim_features(
    claims: pl.LazyFrame, policies: pl.LazyFrame, params: ValueParams
) -> pl.LazyFrame:
    """Claims in the look-back joined to their policy's customer.

    Claims whose policy is unknown are dropped here and counted by ``orphan_claims``.
    """
    as_of = pl.lit(params.as_of)
    start = pl.lit(lookback_start(params))
    paid = cents(pl.col("amount_paid"))
    open_ = pl.col("status").is_in(OPEN_CLAIM_STATUSES)
    outstanding = pl.when(open_).then((cents(pl.col("amount_reserved")) - paid).clip(lower_bound=0))
    accident = pl.col("accident_at").dt.date()
    # Counted as an accident by the NCD's rule (claims.selectors.history): not closed without
    # payment, not a service rider (frames without a coverage column have no riders to drop).
    counted = ~((pl.col("status") == ClaimStatus.CLOSED.value) & (paid <= 0))
    names = claims.collect_schema().names()
    if "coverage" in names:
        counted &= ~pl.col("coverage").fill_null("").is_in(RIDER_CODES)
    # Recoveries (subrogation recovered, salvage sold; #16) reduce the claims cost: net
    # incurred = paid + outstanding − recovered, never below 0 for a claim. Snapshots written
    # before the column existed recover nothing.
    recovered = cents(pl.col("amount_recovered")) if "amount_recovered" in names else pl.lit(0)
    return (
        claims.join(policies.select("policy_no", "customer_no"), on="policy_no", how="inner")
        .filter(
            ~pl.col("status").is_in(EXCLUDED_CLAIM_STATUSES)
            & (accident > start)
            & (accident <= as_of)
        )
        .with_columns(
            paid_c=paid,
            outstanding_c=outstanding.otherwise(0),
            recovered_c=recovered.fill_null(0).cast(pl.Int64),
            counted=counted,
        )
        # A claim's recoveries count up to its own cost (the sums then agree with incurred).
        .with_columns(
            recovered_c=pl.min_horizontal("recovered_c", pl.col("paid_c") + pl.col("outstanding_c"))
        )
        .with_columns(
            incurred_c=pl.col("paid_c") + pl.col("outstanding_c") - pl.col("recovered_c"),
            years_back=((as_of - accident).dt.total_days() // 365).clip(0, 2),
            days_to_pay=pl.when(pl.col("paid_at").is_not_null()).then(
                (pl.col("paid_at") - pl.col("reported_at")).dt.total_seconds() / 86_400.0
            ),
        )
    )


def claim_events(cf: pl.LazyFrame) -> pl.LazyFrame:
    """One row per accident (vehicle × accident time): one accident often makes several claim
    records (compulsory, third party, seats), and the NCD and the lists count accidents."""
    return cf.group_by("customer_no", "vehicle_no", "accident_at").agg(
        paid_c=pl.col("paid_c").sum(),
        outstanding_c=pl.col("outstanding_c").sum(),
        recovered_c=pl.col("recovered_c").sum(),
        incurred_c=pl.col("incurred_c").sum(),
        years_back=pl.col("years_back").first(),
        counted=pl.col("counted").any(),
        injury=pl.col("injury").any(),
        days_to_pay=pl.col("days_to_pay").max(),
    )


def customer_claim_totals(cf: pl.LazyFrame, params: ValueParams) -> pl.LazyFrame:
    cap = params.large_loss_cap * 100
    counted = pl.col("counted")
    this_year = pl.col("years_back") == 0
    return (
        claim_events(cf)
        .group_by("customer_no")
        .agg(
            claims_paid_c=pl.col("paid_c").sum(),
            claims_outstanding_c=pl.col("outstanding_c").sum(),
            claims_recovered_c=pl.col("recovered_c").sum(),
            claims_count=counted.sum().cast(pl.Int64),
            capped_incurred_f=pl.col("incurred_c").clip(upper_bound=int(cap)).sum().cast(pl.Float64)
            / 100.0,
            claims_y0=(counted & this_year).sum().cast(pl.Int64),
            claims_y1=(counted & (pl.col("years_back") == 1)).sum().cast(pl.Int64),
            claims_y2=(counted & (pl.col("years_back") == 2)).sum().cast(pl.Int64),
            max_incurred_c=pl.col("incurred_c").max(),
            large_injury_recent=(
                this_year
                & pl.col("injury")
                & (pl.col("incurred_c") >= int(params.large_claim * 100))
            ).any(),
            days_to_pay_median=pl.col("days_to_pay").median(),
        )
    )


def customer_experience(interactions: pl.LazyFrame, params: ValueParams) -> pl.LazyFrame:
    # Compare instants rather than converting 5M timestamps to local dates.
    after = local_midnight(lookback_start(params) + DAY)
    before = local_midnight(params.as_of + DAY)
    at = pl.col("occurred_at").dt.convert_time_zone(TIME_ZONE)
    return (
        interactions.filter((at >= after) & (at < before))
        .group_by("customer_no")
        .agg(
            services_used=(pl.col("contact_type") == "service").sum().cast(pl.Int64),
            satisfaction=pl.col("satisfaction").cast(pl.Float64).mean(),
            complaints=(pl.col("outcome") == "complained").sum().cast(pl.Int64),
        )
    )


def renewal_outcomes(policies: pl.LazyFrame, params: ValueParams) -> pl.LazyFrame:
    """Per customer: policies that expired in the last year and how many were renewed."""
    as_of = pl.lit(params.as_of)
    last_year = pl.lit(params.as_of - 365 * DAY)
    successors = (
        policies.filter(pl.col("renews_policy_no").is_not_null())
        .select(pl.col("renews_policy_no").alias("policy_no"))
        .unique()
        .with_columns(renewed=pl.lit(True))
    )
    return (
        policies.filter(
            (pl.col("expiry_date") <= as_of)
            & (pl.col("expiry_date") > last_year)
            & pl.col("cancelled_on").is_null()
        )
        .select("policy_no", "customer_no")
        .join(successors, on="policy_no", how="left")
        .group_by("customer_no")
        .agg(
            expiring=pl.len().cast(pl.Int64),
            renewed=pl.col("renewed").fill_null(False).sum().cast(pl.Int64),
        )
    )


SERVICE_USES_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "customer_no": pl.String,
    "occurred_at": pl.Datetime("us", TIME_ZONE),
    "agreed_price": pl.Decimal(14, 2),
}


def customer_service_value(service_uses: pl.LazyFrame | None, params: ValueParams) -> pl.LazyFrame:
    """Per customer, the alliance redemptions in the look-back at their agreed price.

    ``services_priced`` counts them and ``services_priced_c`` sums their prices in cents.
    These redemptions are also among the interactions (a service contact each), so
    ``services_used`` already counts them; ``services_value`` prices them instead of using the
    placeholder.  Without alliance data (a generated snapshot) the frame is empty."""
    uses = service_uses if service_uses is not None else pl.LazyFrame(schema=SERVICE_USES_SCHEMA)
    after = local_midnight(lookback_start(params) + DAY)
    before = local_midnight(params.as_of + DAY)
    at = pl.col("occurred_at").dt.convert_time_zone(TIME_ZONE)
    return (
        uses.filter((at >= after) & (at < before))
        .group_by("customer_no")
        .agg(
            services_priced=pl.len().cast(pl.Int64),
            services_priced_c=cents(pl.col("agreed_price")).sum(),
        )
    )


def services_value(params: ValueParams) -> pl.Expr:
    """Value of the services a customer used (yuan, float): the agreed price of each alliance
    redemption, and ``service_unit_value`` (the placeholder) for service contacts the alliance
    does not price.  Needs the columns of ``customer_experience`` and
    ``customer_service_value``; missing ones count as zero."""
    priced = pl.col("services_priced").fill_null(0)
    unpriced = (pl.col("services_used").fill_null(0) - priced).clip(lower_bound=0)
    return unpriced * params.service_unit_value + pl.col("services_priced_c").fill_null(0) / 100.0
