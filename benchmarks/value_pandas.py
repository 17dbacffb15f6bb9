"""The value computation in plain pandas: the benchmark's baseline (no Polars inside).

The same phases and formulas as ``carecircle.value.engine.pipeline`` (and ``features`` and
``tiers``), written the way a pandas user would: boolean masks, ``groupby``/``agg`` and
``merge``.  ``tests/value/engine/test_pandas_baseline.py`` checks it gives the embedded engine's
results on a generated book, so the benchmark compares like with like.

    uv run python benchmarks/value_pandas.py SNAPSHOT_DIR [--as-of 2026-11-22]

Parquet is read with pyarrow (pandas' own engine); Decimal money becomes float64 there and
timestamps keep their time zone (dates in the window are local dates, as in the engine).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from carecircle.value.engine.params import ValueParams
from carecircle.value.engine.pipeline import ZERO_FLOAT, ZERO_INT

# The constants the engine uses (kept literal here so this module imports no Polars code).
EXCLUDED_CLAIM_STATUSES = ("withdrawn", "rejected")
OPEN_CLAIM_STATUSES = (
    "reported",
    "dispatched",
    "surveyed",
    "registered",
    "assessed",
    "adjusted",
    "approved",
)
RENEWAL_CELL_PRIOR = 50.0
RENEWAL_KEYS = ["main_channel", "had_claim", "tenure_bucket"]
TIER_NAMES = np.array(["standard", "silver", "gold", "platinum", "diamond"], dtype=object)
COLUMNS = {
    "customers": ["customer_no", "first_insured_on"],
    "policies": [
        "policy_no",
        "customer_no",
        "vehicle_no",
        "effective_date",
        "expiry_date",
        "premium",
        "currency",
        "ncd_coefficient",
        "pricing_coefficient",
        "channel",
        "renews_policy_no",
        "cancelled_on",
    ],
    "claims": [
        "policy_no",
        "vehicle_no",
        "accident_at",
        "reported_at",
        "amount_reserved",
        "amount_paid",
        "status",
        "injury",
        "paid_at",
    ],
    "interactions": ["customer_no", "contact_type", "occurred_at", "outcome", "satisfaction"],
}
DAY = np.timedelta64(1, "D")


def _table_files(folder: Path, table: str) -> list[Path]:
    single = folder / f"{table}.parquet"
    if single.exists():
        return [single]
    return sorted((folder / table).glob("*.parquet"))


def _decimal_to_float(column: pa.ChunkedArray) -> pa.Array:
    """Decimal → float64 correctly rounded (unscaled integer ÷ 10^scale, as Polars casts).

    Arrow's own cast is not (4493.15 became 4493.150000000001); money here fits in int64, so
    the low word of each 128-bit value is the unscaled integer.
    """
    parts = []
    for chunk in column.chunks:
        words = np.frombuffer(chunk.buffers()[1], dtype=np.int64)
        unscaled = words[2 * chunk.offset : 2 * (chunk.offset + len(chunk)) : 2]
        values = unscaled / 10**column.type.scale
        parts.append(pa.array(values, mask=chunk.is_null().to_numpy(zero_copy_only=False)))
    return pa.chunked_array(parts, type=pa.float64())


def _to_pandas(table: pa.Table) -> pd.DataFrame:
    columns = {}
    for name, column in zip(table.column_names, table.columns, strict=True):
        if pa.types.is_decimal(column.type):
            column = _decimal_to_float(column)
        elif pa.types.is_date(column.type):
            column = pc.cast(column, pa.timestamp("s"))
        columns[name] = column
    return pa.table(columns).to_pandas()


def load(folder: Path) -> dict[str, pd.DataFrame]:
    """The four canonical tables, only the columns the computation reads."""
    folder = Path(folder)
    frames = {}
    for table, columns in COLUMNS.items():
        parts = [pq.read_table(path, columns=columns) for path in _table_files(folder, table)]
        frames[table] = _to_pandas(pa.concat_tables(parts))
    return frames


def clean(tables: dict[str, pd.DataFrame], currency: str | None = None) -> dict[str, pd.DataFrame]:
    """``checks.clean_inputs``: one currency; drop policies without exposure or premium."""
    policies = tables["policies"]
    if currency is not None:
        policies = policies[policies["currency"] == currency]
    elif policies["currency"].dropna().nunique() > 1:
        raise ValueError("currencies mixed in one run")
    no_exposure = (
        policies["effective_date"].isna()
        | policies["expiry_date"].isna()
        | (policies["expiry_date"] <= policies["effective_date"])
    )
    negative = policies["premium"].isna() | (policies["premium"] < 0)
    return {**tables, "policies": policies[~no_exposure & ~negative]}


def _over(values: pd.Series, constant: float) -> pd.Series:
    """``values / constant`` as Polars computes it: times the reciprocal (same last bit)."""
    return values * (1.0 / constant)


def _cents(values: pd.Series) -> pd.Series:
    return np.round(values.astype("float64") * 100)


def _days(delta: pd.Series) -> pd.Series:
    return delta / DAY


def _local_day(stamps: pd.Series) -> pd.Series:
    return stamps.dt.tz_localize(None).dt.normalize() if stamps.dt.tz else stamps.dt.normalize()


def policy_totals(policies: pd.DataFrame, params: ValueParams) -> pd.DataFrame:
    as_of = pd.Timestamp(params.as_of)
    start = as_of - pd.Timedelta(days=params.lookback_years * 365)
    last_year = as_of - pd.Timedelta(days=365)
    p = policies[policies["effective_date"] <= as_of]
    premium_f = p["premium"].astype("float64")
    ends = np.minimum(
        np.minimum(p["expiry_date"], as_of), p["cancelled_on"].fillna(p["expiry_date"])
    )
    term_days = _days(p["expiry_date"] - p["effective_date"]).clip(lower=1)
    coefficient = p["ncd_coefficient"] * p["pricing_coefficient"]
    discount = np.where(coefficient > 0, premium_f / coefficient - premium_f, 0.0)
    in_force = (p["expiry_date"] > as_of) & (p["cancelled_on"].isna() | (p["cancelled_on"] > as_of))
    window = p["effective_date"] > start
    last = p["effective_date"] > last_year
    rate = (
        p["channel"].map(params.expense_rates).astype("float64").fillna(params.default_expense_rate)
    )
    premium_c = _cents(p["premium"])
    earned_c = np.round(
        premium_f * _days(ends - p["effective_date"]).div(term_days).clip(0.0, 1.0) * 100
    )
    expense_c = np.round(premium_f * rate * 100)
    discount_c = np.round(pd.Series(np.clip(discount, 0.0, None), index=p.index) * 100)
    w = pd.DataFrame(
        {
            "customer_no": p["customer_no"],
            "written_premium_c": premium_c.where(window, 0),
            # per policy in cents first, as the engine does (exact, order-free sums)
            "earned_premium_f": earned_c.where(window, 0),
            "expense_f": expense_c.where(window, 0),
            "discounts_f": discount_c.where(window, 0),
            "annual_premium_c": premium_c.where(last, 0),
            "annual_expense_f": expense_c.where(last, 0),
            "policies_in_force": in_force.astype("int64"),
            "effective_date": p["effective_date"],
        }
    )
    totals = w.groupby("customer_no", sort=False).agg(
        written_premium_c=("written_premium_c", "sum"),
        earned_premium_f=("earned_premium_f", "sum"),
        expense_f=("expense_f", "sum"),
        discounts_f=("discounts_f", "sum"),
        annual_premium_c=("annual_premium_c", "sum"),
        annual_expense_f=("annual_expense_f", "sum"),
        policies_in_force=("policies_in_force", "sum"),
        first_effective=("effective_date", "min"),
    )
    for column in ("earned_premium_f", "expense_f", "discounts_f", "annual_expense_f"):
        totals[column] = _over(totals[column], 100.0)
    vehicles = (
        p.loc[in_force, ["customer_no", "vehicle_no"]]
        .groupby("customer_no", sort=False)["vehicle_no"]
        .nunique(dropna=False)
        .rename("vehicles")
    )
    # The main channel: the channel of the largest premium (ties: the last policy number).
    main = (
        pd.DataFrame(
            {
                "customer_no": p["customer_no"],
                "premium_c": premium_c,
                "policy_no": p["policy_no"],
                "main_channel": p["channel"],
            }
        )
        .sort_values(["customer_no", "premium_c", "policy_no"], na_position="first")
        .drop_duplicates("customer_no", keep="last")
        .set_index("customer_no")["main_channel"]
    )
    totals = totals.join(vehicles, how="left").join(main, how="left")
    totals["vehicles"] = totals["vehicles"].fillna(0).astype("int64")
    return totals


def claim_totals(claims: pd.DataFrame, policies: pd.DataFrame, params: ValueParams) -> pd.DataFrame:
    as_of = pd.Timestamp(params.as_of)
    start = as_of - pd.Timedelta(days=params.lookback_years * 365)
    c = claims.merge(policies[["policy_no", "customer_no"]], on="policy_no", how="inner")
    accident = _local_day(c["accident_at"])
    c = c[~c["status"].isin(EXCLUDED_CLAIM_STATUSES) & (accident > start) & (accident <= as_of)]
    accident = accident[c.index]
    paid = _cents(c["amount_paid"])
    outstanding = np.where(
        c["status"].isin(OPEN_CLAIM_STATUSES),
        (_cents(c["amount_reserved"]) - paid).clip(lower=0),
        0.0,
    )
    # Recoveries (#16) up to the claim's own cost; a snapshot without the column has none.
    recovered = (
        np.minimum(_cents(c["amount_recovered"].fillna(0)), paid + outstanding)
        if "amount_recovered" in c
        else np.zeros(len(c))
    )
    # Whole seconds, truncated (as Polars' ``dt.total_seconds``).
    seconds = np.trunc((c["paid_at"] - c["reported_at"]) / pd.Timedelta(seconds=1))
    e = pd.DataFrame(
        {
            "customer_no": c["customer_no"],
            "vehicle_no": c["vehicle_no"],
            "accident_at": c["accident_at"],
            "paid_c": paid,
            "outstanding_c": outstanding,
            "recovered_c": recovered,
            "incurred_c": paid + outstanding - recovered,
            "years_back": (_days(as_of - accident) // 365).clip(0, 2),
            "injury": c["injury"].fillna(False).astype(bool),
            "days_to_pay": _over(seconds, 86_400.0),
        }
    )
    # One row per accident (vehicle × accident time): several records make one accident.
    events = e.groupby(["customer_no", "vehicle_no", "accident_at"], sort=False, dropna=False).agg(
        paid_c=("paid_c", "sum"),
        outstanding_c=("outstanding_c", "sum"),
        recovered_c=("recovered_c", "sum"),
        incurred_c=("incurred_c", "sum"),
        years_back=("years_back", "first"),
        injury=("injury", "any"),
        days_to_pay=("days_to_pay", "max"),
    )
    events = events.reset_index()
    recent = events["years_back"] == 0
    events["capped"] = events["incurred_c"].clip(upper=int(params.large_loss_cap * 100))
    events["y0"] = recent.astype("int64")
    events["y1"] = (events["years_back"] == 1).astype("int64")
    events["y2"] = (events["years_back"] == 2).astype("int64")
    events["large_injury"] = (
        recent & events["injury"] & (events["incurred_c"] >= int(params.large_claim * 100))
    )
    totals = events.groupby("customer_no", sort=False).agg(
        claims_paid_c=("paid_c", "sum"),
        claims_outstanding_c=("outstanding_c", "sum"),
        claims_recovered_c=("recovered_c", "sum"),
        claims_count=("paid_c", "size"),
        capped_incurred_f=("capped", "sum"),
        claims_y0=("y0", "sum"),
        claims_y1=("y1", "sum"),
        claims_y2=("y2", "sum"),
        max_incurred_c=("incurred_c", "max"),
        large_injury_recent=("large_injury", "any"),
        days_to_pay_median=("days_to_pay", "median"),
    )
    totals["capped_incurred_f"] = _over(totals["capped_incurred_f"], 100.0)
    return totals


def experience(interactions: pd.DataFrame, params: ValueParams) -> pd.DataFrame:
    as_of = pd.Timestamp(params.as_of)
    start = as_of - pd.Timedelta(days=params.lookback_years * 365)
    day = _local_day(interactions["occurred_at"])
    i = interactions[(day > start) & (day <= as_of)]
    return (
        pd.DataFrame(
            {
                "customer_no": i["customer_no"],
                "services_used": (i["contact_type"] == "service").astype("int64"),
                "satisfaction": i["satisfaction"].astype("float64"),
                "complaints": (i["outcome"] == "complained").astype("int64"),
            }
        )
        .groupby("customer_no", sort=False)
        .agg(
            services_used=("services_used", "sum"),
            satisfaction=("satisfaction", "mean"),
            complaints=("complaints", "sum"),
        )
    )


def renewals(policies: pd.DataFrame, params: ValueParams) -> pd.DataFrame:
    as_of = pd.Timestamp(params.as_of)
    last_year = as_of - pd.Timedelta(days=365)
    successors = set(policies["renews_policy_no"].dropna())
    p = policies[
        (policies["expiry_date"] <= as_of)
        & (policies["expiry_date"] > last_year)
        & policies["cancelled_on"].isna()
    ]
    return (
        pd.DataFrame(
            {
                "customer_no": p["customer_no"],
                "expiring": 1,
                "renewed": p["policy_no"].isin(successors).astype("int64"),
            }
        )
        .groupby("customer_no", sort=False)
        .sum()
    )


# The columns the pipeline fills with 0 (names shared with it; no formula is imported).
ZERO = [*ZERO_INT, *ZERO_FLOAT]


def customer_features(tables: dict[str, pd.DataFrame], params: ValueParams) -> pd.DataFrame:
    """Phase 1: one row per customer."""
    policies = tables["policies"]
    frame = (
        tables["customers"][["customer_no", "first_insured_on"]]
        .set_index("customer_no")
        .join(policy_totals(policies, params), how="left")
        .join(claim_totals(tables["claims"], policies, params), how="left")
        .join(experience(tables["interactions"], params), how="left")
        .join(renewals(policies, params), how="left")
    )
    frame[ZERO] = frame[ZERO].fillna(0)
    frame["large_injury_recent"] = frame["large_injury_recent"].fillna(False).astype(bool)
    started = frame["first_insured_on"].fillna(frame["first_effective"])
    as_of = pd.Timestamp(params.as_of)
    frame["tenure_years"] = _over(_days(as_of - started), 365.25).clip(lower=0).fillna(0.0)
    frame["had_claim"] = frame["claims_y0"] > 0
    earned = frame["earned_premium_f"]
    frame["loss_ratio_3y"] = (
        _over(
            frame["claims_paid_c"] + frame["claims_outstanding_c"] - frame["claims_recovered_c"],
            100.0,
        )
        / earned
    ).where(earned > 0)
    tenure = frame["tenure_years"]
    frame["tenure_bucket"] = np.select(
        [tenure < 1, tenure < 3, tenure < 5], ["<1", "1-3", "3-5"], default="5+"
    )
    return frame.reset_index()


def book_stats(features: pd.DataFrame) -> tuple[float, float, pd.DataFrame]:
    """Phase 2: book loss ratio, book renewal rate and renewal cells (shrunk to the book)."""
    earned = features["earned_premium_f"].sum()
    expiring = features["expiring"].sum()
    book_lr = features["capped_incurred_f"].sum() / earned if earned else 0.0
    book_renewal = features["renewed"].sum() / expiring if expiring else 0.0
    renewing = features[features["expiring"] > 0]
    cells = (
        renewing.assign(rate=renewing["renewed"] / renewing["expiring"])
        .groupby(RENEWAL_KEYS, dropna=False)["rate"]
        .agg(["size", "mean"])
        .reset_index()
    )
    cells["cell_rate"] = (cells["size"] * cells["mean"] + RENEWAL_CELL_PRIOR * book_renewal) / (
        cells["size"] + RENEWAL_CELL_PRIOR
    )
    return float(book_lr), float(book_renewal), cells[[*RENEWAL_KEYS, "cell_rate"]]


def customer_values(features: pd.DataFrame, params: ValueParams) -> pd.DataFrame:
    """Phases 2 and 3: book figures, then both sides of value and the lifetime value."""
    book_lr, book_renewal, cells = book_stats(features)
    f = features.merge(cells, on=RENEWAL_KEYS, how="left")
    earned = f["earned_premium_f"]
    z = earned / (earned + params.credibility_premium)
    own = f["capped_incurred_f"] / earned
    credible = np.where(earned > 0, z * own + (1 - z) * book_lr, book_lr)
    f["loss_ratio_credible"] = np.nan_to_num(credible, nan=0.0)
    f["renewal_probability"] = f["cell_rate"].fillna(book_renewal).clip(0.0, 0.999)
    annual_premium = _over(f["annual_premium_c"], 100.0)
    f["expected_claims"] = annual_premium * f["loss_ratio_credible"]
    f["annual_margin"] = annual_premium - f["expected_claims"] - f["annual_expense_f"]
    q = _over(f["renewal_probability"], 1 + params.discount_rate)
    f["lifetime_value"] = f["annual_margin"] * q * (1 - q**params.horizon_years) / (1 - q)
    f["services_value_f"] = f["services_used"] * params.service_unit_value
    f["value_delivered_f"] = (
        _over(f["claims_paid_c"], 100.0) + f["services_value_f"] + f["discounts_f"]
    )
    return f


def decide_tiers(f: pd.DataFrame, params: ValueParams) -> pd.DataFrame:
    """Phases 4 and 5: rank, rule tier, humane rules (no prior decisions here) and reasons."""
    ltv = f["lifetime_value"]
    pct = _over(ltv.rank(method="min", ascending=False) - 1, len(f))
    f["value_percentile"] = pct
    c1, c2, c3, c4 = params.tier_cuts
    rule = np.select([ltv <= 0, pct < c1, pct < c2, pct < c3, pct < c4], [0, 4, 3, 2, 1], default=0)
    tenure = f["tenure_years"]
    loyal = (
        (tenure >= params.loyal_years)
        & f["large_injury_recent"]
        & ((f["claims_y1"] + f["claims_y2"]) <= 1)
    )
    improving = (
        (tenure < params.new_driver_years)
        & (f["claims_count"] >= 2)
        & (f["max_incurred_c"] < int(params.small_claim * 100))
        & (f["claims_y0"] < f["claims_y1"])
    )
    lr = f["loss_ratio_credible"]
    claims = f["claims_count"]
    listable = ~loyal & ~improving
    proposal = np.select(
        [
            listable & (claims >= params.black_min_claims) & (lr >= params.black_min_loss_ratio),
            listable & (claims >= params.grey_min_claims) & (lr >= params.grey_min_loss_ratio),
        ],
        ["black", "grey"],
        default="",
    )
    # Without prior decisions the tier is the rule tier and nothing goes to review.
    f["rule_tier"] = TIER_NAMES[rule]
    f["tier"] = f["rule_tier"]
    f["previous_tier"] = ""
    f["needs_review"] = ""
    f["list_proposal"] = proposal
    codes = [
        pd.Series(np.where(tenure >= 1, "tenure", "new_customer"), index=f.index),
        pd.Series(np.where(f["earned_premium_f"] > 0, ",loss_ratio", ""), index=f.index),
        pd.Series(np.where(ltv > 0, ",lifetime_value", ""), index=f.index),
        pd.Series(np.where(f["annual_margin"] < 0, ",loss_making", ""), index=f.index),
        pd.Series(np.where(f["policies_in_force"] == 0, ",no_cover", ""), index=f.index),
        pd.Series(np.where(improving, ",improving", ""), index=f.index),
        pd.Series(np.where(proposal != "", ",list_" + proposal, ""), index=f.index),
    ]
    reasons = codes[0]
    for code in codes[1:]:
        reasons = reasons + code
    f["reasons"] = reasons
    return f


def compute(tables: dict[str, pd.DataFrame], params: ValueParams) -> pd.DataFrame:
    return decide_tiers(customer_values(customer_features(tables, params), params), params)


MONEY = {
    "written_premium_3y": ("written_premium_c", False),
    "earned_premium_3y": ("earned_premium_f", True),
    "claims_paid_3y": ("claims_paid_c", False),
    "claims_outstanding": ("claims_outstanding_c", False),
    "expense_3y": ("expense_f", True),
    "annual_premium": ("annual_premium_c", False),
    "expected_claims": ("expected_claims", True),
    "annual_margin": ("annual_margin", True),
    "lifetime_value": ("lifetime_value", True),
    "delivered_claims_paid_3y": ("claims_paid_c", False),
    "services_value_3y": ("services_value_f", True),
    "discounts_3y": ("discounts_f", True),
    "value_delivered_3y": ("value_delivered_f", True),
}


def results(f: pd.DataFrame) -> pd.DataFrame:
    """The stored shape (``pipeline.results``): money in integer cents, ratios rounded."""
    out = pd.DataFrame(
        {
            "customer_no": f["customer_no"],
            "tenure_years": f["tenure_years"].round(1),
            "vehicles": f["vehicles"].astype("int64"),
            "policies_in_force": f["policies_in_force"].astype("int64"),
            "claims_count_3y": f["claims_count"].astype("int64"),
            "loss_ratio_3y": f["loss_ratio_3y"].round(4),
            "loss_ratio_credible": f["loss_ratio_credible"].round(4),
            "renewal_probability": f["renewal_probability"].round(4),
            "value_percentile": f["value_percentile"].round(4),
            "days_to_pay_median": f["days_to_pay_median"].round(1),
            "services_used_3y": f["services_used"].astype("int64"),
            "satisfaction": f["satisfaction"].round(2),
            "complaints_3y": f["complaints"].astype("int64"),
            "rule_tier": f["rule_tier"],
            "tier": f["tier"],
            "previous_tier": f["previous_tier"],
            "reasons": f["reasons"],
            "needs_review": f["needs_review"],
            "list_proposal": f["list_proposal"],
        }
    )
    for name, (column, is_float) in MONEY.items():
        values = _cents(f[column]) if is_float else f[column]
        out[name] = values.astype("int64")
    return out.sort_values("customer_no").reset_index(drop=True)


def run(folder: Path, params: ValueParams, currency: str | None = None) -> pd.DataFrame:
    return results(compute(clean(load(folder), currency), params))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("snapshot", type=Path)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2026, 11, 22))
    args = parser.parse_args()
    started = time.perf_counter()
    frame = run(args.snapshot, ValueParams(as_of=args.as_of))
    seconds = time.perf_counter() - started
    print(json.dumps({"customers": len(frame), "seconds": round(seconds, 3)}))


if __name__ == "__main__":
    main()
