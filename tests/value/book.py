"""Hand-built canonical tables for value-engine tests: each customer is a small story."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import polars as pl

from carecircle.value.engine.pipeline import Inputs

AS_OF = dt.date(2026, 11, 22)
TS = pl.Datetime("us", "Asia/Shanghai")


@dataclass
class Book:
    customers: list[dict] = field(default_factory=list)
    policies: list[dict] = field(default_factory=list)
    claims: list[dict] = field(default_factory=list)
    interactions: list[dict] = field(default_factory=list)

    def customer(
        self,
        no: str,
        *,
        years: int,
        premium: str = "3000.00",
        channel: str = "direct",
        lapsed: bool = False,
        currency: str = "CNY",
    ) -> None:
        """A customer insured for ``years`` consecutive policy years ending around as_of.

        The last policy started 30 days before as_of (in force) unless ``lapsed``, in which
        case the last policy expired 30 days before as_of and was not renewed.
        """
        first_start = AS_OF - dt.timedelta(days=30 + 365 * (years - 1))
        if lapsed:
            first_start -= dt.timedelta(days=335)
        self.customers.append({"customer_no": no, "first_insured_on": first_start})
        previous = None
        for year in range(years):
            start = first_start + dt.timedelta(days=365 * year)
            policy_no = f"P-{no}-{year}"
            self.policies.append(
                {
                    "policy_no": policy_no,
                    "kind": "commercial",
                    "customer_no": no,
                    "vehicle_no": f"V-{no}",
                    "effective_date": start,
                    "expiry_date": start + dt.timedelta(days=365),
                    "premium": Decimal(premium),
                    "currency": currency,
                    "ncd_coefficient": Decimal("1.000"),
                    "pricing_coefficient": Decimal("1.000"),
                    "channel": channel,
                    "renews_policy_no": previous,
                    "cancelled_on": None,
                }
            )
            previous = policy_no

    def claim(
        self,
        no: str,
        *,
        days_ago: int,
        paid: str,
        injury: bool = False,
        status: str = "closed",
    ) -> None:
        accident = dt.datetime.combine(AS_OF - dt.timedelta(days=days_ago), dt.time(10))
        policy = next(
            p
            for p in self.policies
            if p["customer_no"] == no and p["effective_date"] <= accident.date() < p["expiry_date"]
        )
        self.claims.append(
            {
                "claim_no": f"K-{no}-{len(self.claims)}",
                "policy_no": policy["policy_no"],
                "vehicle_no": policy["vehicle_no"],
                "accident_at": accident,
                "reported_at": accident + dt.timedelta(hours=2),
                "amount_reserved": Decimal(paid),
                "amount_paid": Decimal(paid) if status == "closed" else Decimal("0"),
                "currency": "CNY",
                "status": status,
                "injury": injury,
                "paid_at": accident + dt.timedelta(days=10) if status == "closed" else None,
            }
        )

    def inputs(self) -> Inputs:
        customers = pl.DataFrame(
            self.customers, schema={"customer_no": pl.String, "first_insured_on": pl.Date}
        )
        policies = pl.DataFrame(
            self.policies,
            schema={
                "policy_no": pl.String,
                "kind": pl.String,
                "customer_no": pl.String,
                "vehicle_no": pl.String,
                "effective_date": pl.Date,
                "expiry_date": pl.Date,
                "premium": pl.Decimal(14, 2),
                "currency": pl.String,
                "ncd_coefficient": pl.Decimal(5, 3),
                "pricing_coefficient": pl.Decimal(5, 3),
                "channel": pl.String,
                "renews_policy_no": pl.String,
                "cancelled_on": pl.Date,
            },
        )
        claims = pl.DataFrame(
            self.claims,
            schema={
                "claim_no": pl.String,
                "policy_no": pl.String,
                "vehicle_no": pl.String,
                "accident_at": pl.Datetime("us"),
                "reported_at": pl.Datetime("us"),
                "amount_reserved": pl.Decimal(14, 2),
                "amount_paid": pl.Decimal(14, 2),
                "currency": pl.String,
                "status": pl.String,
                "injury": pl.Boolean,
                "paid_at": pl.Datetime("us"),
            },
        ).with_columns(
            pl.col("accident_at", "reported_at", "paid_at").dt.replace_time_zone("Asia/Shanghai")
        )
        interactions = pl.DataFrame(
            self.interactions,
            schema={
                "customer_no": pl.String,
                "contact_type": pl.String,
                "occurred_at": TS,
                "outcome": pl.String,
                "satisfaction": pl.Int8,
            },
        )
        return Inputs(
            customers=customers.lazy(),
            policies=policies.lazy(),
            claims=claims.lazy(),
            interactions=interactions.lazy(),
        )


def prior(rows: list[dict]) -> pl.LazyFrame:
    """Prior decisions: customer_no with previous_rank / year_ago_rank / approved_rank."""
    from carecircle.value.engine.pipeline import PRIOR_SCHEMA

    full = [{k: row.get(k) for k in PRIOR_SCHEMA} for row in rows]
    return pl.DataFrame(full, schema=PRIOR_SCHEMA).lazy()
