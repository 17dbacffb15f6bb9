"""Tier decisions with the humane rules, and the reason codes behind every decision.

Ranks: 4 钻石 diamond, 3 铂金 platinum, 2 黄金 gold, 1 白银 silver, 0 普通 standard.

1. The rules give a tier from the lifetime-value rank (``tier_cuts``); no positive value →
   standard.
2. A person's approved review wins over the rules.
3. A loyal customer (≥ ``loyal_years`` with us, at most one claim in the two years before the
   last) with one large injury claim in the last year keeps the tier and goes to a person.
4. Otherwise the tier moves at most one step from where it was a year ago; a bigger move goes
   to a person (``step_limited``).
5. Grey/black list proposals only from repeated claims and a high credible loss ratio, never
   for the loyal case or an improving new driver (few years, only small claims, falling).
"""

from __future__ import annotations

import polars as pl

from .params import ValueParams

TIER_NAMES = ["standard", "silver", "gold", "platinum", "diamond"]


def rank_to_tier(rank: pl.Expr) -> pl.Expr:
    return rank.cast(pl.Int64).replace_strict(dict(enumerate(TIER_NAMES)), return_dtype=pl.String)


def rule_rank(params: ValueParams) -> pl.Expr:
    c1, c2, c3, c4 = params.tier_cuts
    pct = pl.col("value_percentile")
    return (
        pl.when(pl.col("lifetime_value") <= 0)
        .then(0)
        .when(pct < c1)
        .then(4)
        .when(pct < c2)
        .then(3)
        .when(pct < c3)
        .then(2)
        .when(pct < c4)
        .then(1)
        .otherwise(0)
        .cast(pl.Int8)
    )


def _code(condition: pl.Expr, code: str | pl.Expr) -> pl.Expr:
    return pl.when(condition).then(pl.lit(code) if isinstance(code, str) else code)


def decide_tiers(frame: pl.LazyFrame, params: ValueParams) -> pl.LazyFrame:
    prev = pl.col("previous_rank")
    year_ago = pl.coalesce("year_ago_rank", "previous_rank")
    loyal_case = (
        (pl.col("tenure_years") >= params.loyal_years)
        & pl.col("large_injury_recent")
        & ((pl.col("claims_y1") + pl.col("claims_y2")) <= 1)
    )
    improving = (
        (pl.col("tenure_years") < params.new_driver_years)
        & (pl.col("claims_count") >= 2)
        & (pl.col("max_incurred_c") < int(params.small_claim * 100))
        & (pl.col("claims_y0") < pl.col("claims_y1"))
    )
    frame = frame.with_columns(
        rule_rank=rule_rank(params), loyal_case=loyal_case, improving=improving
    )
    rule = pl.col("rule_rank")
    clamped = rule.clip(year_ago - 1, year_ago + 1)
    approved = pl.col("approved_rank").is_not_null()
    protect = pl.col("loyal_case") & prev.is_not_null() & (rule < prev)
    decided = (
        pl.when(approved)
        .then(pl.col("approved_rank"))
        .when(prev.is_null())
        .then(rule)
        .when(protect)
        .then(prev)
        .otherwise(clamped)
    )
    review = (
        pl.when(approved)
        .then(pl.lit(""))
        .when(prev.is_null())
        .then(pl.lit(""))
        .when(protect)
        .then(pl.lit("loyal_large_claim"))
        .when(clamped != rule)
        .then(pl.lit("step_limited"))
        .otherwise(pl.lit(""))
    )
    lr = pl.col("loss_ratio_credible")
    claims = pl.col("claims_count")
    listable = ~pl.col("loyal_case") & ~pl.col("improving") & ~pl.col("open_list").fill_null(False)
    proposal = (
        pl.when(
            listable & (claims >= params.black_min_claims) & (lr >= params.black_min_loss_ratio)
        )
        .then(pl.lit("black"))
        .when(listable & (claims >= params.grey_min_claims) & (lr >= params.grey_min_loss_ratio))
        .then(pl.lit("grey"))
        .otherwise(pl.lit(""))
    )
    frame = frame.with_columns(
        tier_rank=decided.cast(pl.Int8), needs_review=review, list_proposal=proposal
    )
    reasons = pl.concat_str(
        [
            pl.when(pl.col("tenure_years") >= 1)
            .then(pl.lit("tenure"))
            .otherwise(pl.lit("new_customer")),
            _code(pl.col("earned_premium_f") > 0, "loss_ratio"),
            _code(pl.col("lifetime_value") > 0, "lifetime_value"),
            _code(pl.col("annual_margin") < 0, "loss_making"),
            _code(pl.col("policies_in_force") == 0, "no_cover"),
            _code(approved, "person_approved"),
            _code(pl.col("needs_review") != "", pl.col("needs_review")),
            _code(pl.col("improving"), "improving"),
            _code(pl.col("list_proposal") != "", pl.lit("list_") + pl.col("list_proposal")),
        ],
        separator=",",
        ignore_nulls=True,
    )
    return frame.with_columns(
        rule_tier=rank_to_tier(pl.col("rule_rank")),
        tier=rank_to_tier(pl.col("tier_rank")),
        previous_tier=pl.when(prev.is_null()).then(pl.lit("")).otherwise(rank_to_tier(prev)),
        reasons=reasons,
    )
