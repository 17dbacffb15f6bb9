"""Value per policy and per vehicle for one customer (the 360 page), with the engine's formulas.

The batch engine values customers; a person looking at one customer also wants to see which
policy or vehicle brings or costs the value.  These read the customer's own rows and apply the
same ``engine.features`` expressions, so the figures add up to the customer's row.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl

from carecircle.claims.models import Claim
from carecircle.policies.models import Policy

from .engine import features as f
from .engine.params import ValueParams


def _policies(customer_id: int) -> pl.DataFrame:
    rows = Policy.objects.filter(customer_id=customer_id).values(
        "policy_no",
        "kind",
        "vehicle__vehicle_no",
        "vehicle__plate",
        "effective_date",
        "expiry_date",
        "premium",
        "ncd_coefficient",
        "pricing_coefficient",
        "channel",
        "cancelled_on",
    )
    return pl.DataFrame(
        [
            {
                **r,
                "vehicle_no": r.pop("vehicle__vehicle_no"),
                "plate": r.pop("vehicle__plate"),
                "customer_no": "",
            }
            for r in rows
        ],
        schema={
            "policy_no": pl.String,
            "kind": pl.String,
            "effective_date": pl.Date,
            "expiry_date": pl.Date,
            "premium": pl.Decimal(14, 2),
            "ncd_coefficient": pl.Decimal(5, 3),
            "pricing_coefficient": pl.Decimal(5, 3),
            "channel": pl.String,
            "cancelled_on": pl.Date,
            "vehicle_no": pl.String,
            "plate": pl.String,
            "customer_no": pl.String,
        },
    )


def _claims(customer_id: int) -> pl.DataFrame:
    rows = Claim.objects.filter(policy__customer_id=customer_id).values(
        "policy__policy_no",
        "vehicle__vehicle_no",
        "accident_at",
        "reported_at",
        "amount_reserved",
        "amount_paid",
        "amount_recovered",
        "status",
        "coverage",
        "injury",
        "paid_at",
    )
    ts = pl.Datetime("us", "UTC")
    return pl.DataFrame(
        [
            {
                **r,
                "policy_no": r.pop("policy__policy_no"),
                "vehicle_no": r.pop("vehicle__vehicle_no"),
            }
            for r in rows
        ],
        schema={
            "accident_at": ts,
            "reported_at": ts,
            "amount_reserved": pl.Decimal(14, 2),
            "amount_paid": pl.Decimal(14, 2),
            "amount_recovered": pl.Decimal(14, 2),
            "status": pl.String,
            "coverage": pl.String,
            "injury": pl.Boolean,
            "paid_at": ts,
            "policy_no": pl.String,
            "vehicle_no": pl.String,
        },
    ).with_columns(
        pl.col("accident_at", "reported_at", "paid_at").dt.convert_time_zone(f.TIME_ZONE)
    )


def policy_values(
    customer_id: int, as_of: dt.date, params: ValueParams | None = None
) -> list[dict]:
    """Per policy started in the look-back: premium, earned, claims, expense and margin.

    Margin here is earned premium − incurred claims − expense: what the policy has brought so
    far (the lifetime value is a customer-level forecast and is not split).
    """
    params = params or ValueParams(as_of=as_of)
    policies = _policies(customer_id)
    if policies.is_empty():
        return []
    claims = _claims(customer_id)
    events = f.claim_events(f.claim_features(claims.lazy(), policies.lazy(), params))
    incurred = (
        claims.lazy()
        .select("policy_no", "vehicle_no", "accident_at")
        .unique(["vehicle_no", "accident_at"])
        .join(events, on=["vehicle_no", "accident_at"])
        .group_by("policy_no")
        # accidents by the NCD's rule (a rider or a claim closed unpaid is no accident); their
        # money still counts in incurred
        .agg(accidents=pl.col("counted").sum(), incurred_c=pl.col("incurred_c").sum())
    )
    frame = (
        f.policy_features(policies.lazy(), params)
        .filter(pl.col("in_window"))
        .join(incurred, on="policy_no", how="left")
        .with_columns(
            accidents=pl.col("accidents").fill_null(0),
            incurred_c=pl.col("incurred_c").fill_null(0),
            earned_c=f.cents(pl.col("premium_f") * pl.col("earned_frac")),
            expense_c=f.cents(pl.col("premium_f") * pl.col("expense_rate")),
        )
        .with_columns(margin_c=pl.col("earned_c") - pl.col("incurred_c") - pl.col("expense_c"))
        .sort("effective_date", "policy_no", descending=[True, False])
        .collect()
    )
    out = []
    for row in frame.iter_rows(named=True):
        earned = Decimal(row["earned_c"]) / 100
        incurred_yuan = Decimal(row["incurred_c"]) / 100
        out.append(
            {
                "policy_no": row["policy_no"],
                "kind": row["kind"],
                "vehicle_no": row["vehicle_no"],
                "plate": row["plate"],
                "effective_date": row["effective_date"],
                "in_force": row["in_force"],
                "premium": Decimal(row["premium_c"]) / 100,
                "earned": earned,
                "accidents": row["accidents"],
                "incurred": incurred_yuan,
                "loss_ratio": (incurred_yuan / earned).quantize(Decimal("0.0001"))
                if earned
                else None,
                "expense": Decimal(row["expense_c"]) / 100,
                "margin": Decimal(row["margin_c"]) / 100,
            }
        )
    return out


def vehicle_values(policy_rows: list[dict]) -> list[dict]:
    """The policy rows summed per vehicle (plate), largest premium first."""
    by_vehicle: dict[str, dict] = {}
    for row in policy_rows:
        total = by_vehicle.setdefault(
            row["vehicle_no"],
            {
                "vehicle_no": row["vehicle_no"],
                "plate": row["plate"],
                "premium": Decimal(0),
                "earned": Decimal(0),
                "incurred": Decimal(0),
                "expense": Decimal(0),
                "margin": Decimal(0),
                "accidents": 0,
            },
        )
        for key in ("premium", "earned", "incurred", "expense", "margin", "accidents"):
            total[key] += row[key]
    return sorted(by_vehicle.values(), key=lambda v: (-v["premium"], v["vehicle_no"]))
