"""Calibration figures of a generated book and the DOMAIN.md targets they must meet.

``measure(book)`` reads the Parquet folders ``carecircle generate`` writes and returns each
figure; ``TARGETS`` holds the market figure and the tolerance the generator is held to
(tests/datagen/test_calibration.py, benchmarks/calibration.py, docs/calibration.md).

Definitions:

- *vehicle-year*: one vehicle's compulsory and commercial policies starting the same day;
  premiums are written premiums.
- *earned premium*: the premium times the share of the policy term elapsed by the reference
  date (or by cancellation). Loss ratios and frequencies are on this earned basis, as the
  market figures are: the last policy year is only partly run off, so claims ÷ written premium
  understates the ratio by about a tenth.
- *incurred*: paid + reserved over every claim reported before the reference date.
- *claim frequency*: compulsory claims that are not withdrawn or rejected, per earned
  compulsory vehicle-year (commercial: accidents with such a claim on a commercial coverage,
  the ones that move the NCD level, per earned commercial vehicle-year).
- *renewal rate*: policies that expired at least a year before the book's last expiry and have
  a successor naming them in ``renews_policy_no``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import polars as pl

from .config import DEFAULT_REFERENCE_DATE

VOID_STATUSES = ("withdrawn", "rejected")


@dataclass(frozen=True)
class Target:
    figure: str
    label: str
    target: float  # the DOMAIN.md figure
    low: float  # accepted range, ends included
    high: float
    tolerance: str  # how the range was set, in words

    def met(self, value: float) -> bool:
        return self.low <= value <= self.high


TARGETS: tuple[Target, ...] = (
    Target(
        "average_premium_per_vehicle_year",
        "average premium per vehicle-year (compulsory + commercial)",
        2760,
        2622,
        2898,
        "± 5 %",
    ),
    Target(
        "average_commercial_ncd_coefficient",
        "average commercial NCD coefficient",
        0.75,
        0.72,
        0.78,
        "± 0.03",
    ),
    Target(
        "loss_ratio",
        "motor loss ratio (incurred ÷ earned premium)",
        0.74,
        0.69,
        0.79,
        "± 5 points",
    ),
    Target(
        "compulsory_loss_ratio",
        "compulsory loss ratio (incurred ÷ earned premium)",
        0.61,
        0.56,
        0.66,
        "± 5 points",
    ),
    Target(
        "compulsory_claim_frequency",
        "compulsory claims per earned vehicle-year",
        0.23,
        0.21,
        0.25,
        "± 0.02",
    ),
    Target(
        "renewal_rate",
        "renewal rate of policies that reached expiry",
        0.70,
        0.70,
        0.80,
        '"over 70 %": 70–80 %',
    ),
    Target(
        "nev_average_premium_per_vehicle_year",
        "new-energy premium per vehicle-year",
        4500,
        4050,
        4950,
        "± 10 %",
    ),
    Target(
        "household_share_of_premium",
        "household vehicles' share of premium",
        0.73,
        0.68,
        0.78,
        "± 5 points",
    ),
)
TARGET_BY_FIGURE = {t.figure: t for t in TARGETS}


def _scan(book: Path, table: str) -> pl.LazyFrame:
    return pl.scan_parquet(Path(book) / table / "*.parquet")


def earned_share(reference_date: dt.date) -> pl.Expr:
    """Share of each policy's term elapsed by ``reference_date`` or its cancellation."""
    end = pl.min_horizontal(
        pl.col("expiry_date"),
        pl.col("cancelled_on").fill_null(pl.col("expiry_date")),
        pl.lit(reference_date),
    )
    term = (pl.col("expiry_date") - pl.col("effective_date")).dt.total_days()
    return ((end - pl.col("effective_date")).dt.total_days() / term).clip(0.0, 1.0)


def measure(book: Path, reference_date: dt.date = DEFAULT_REFERENCE_DATE) -> dict[str, float]:
    """Every calibration figure of the book under ``book`` (rounded for reporting)."""
    pol = (
        _scan(book, "policies")
        .select(
            "policy_no",
            "kind",
            "vehicle_no",
            "effective_date",
            "expiry_date",
            "cancelled_on",
            "renews_policy_no",
            pl.col("premium").cast(pl.Float64),
            pl.col("ncd_coefficient").cast(pl.Float64),
        )
        .with_columns(earned_share(reference_date).alias("exposure"))
        .with_columns((pl.col("premium") * pl.col("exposure")).alias("earned"))
        .collect()
    )
    veh = _scan(book, "vehicles").select("vehicle_no", "customer_no", "use", "new_energy").collect()
    claims = (
        _scan(book, "claims")
        .select(
            "policy_no",
            "status",
            "accident_at",
            (
                pl.col("amount_paid").cast(pl.Float64) + pl.col("amount_reserved").cast(pl.Float64)
            ).alias("cost"),
        )
        .collect()
        .join(pol.select("policy_no", "kind"), on="policy_no")
    )
    vehicle_years = (
        pol.group_by("vehicle_no", "effective_date")
        .agg(pl.col("premium").sum())
        .join(veh, on="vehicle_no")
    )
    commercial = pol.filter(pl.col("kind") == "commercial")
    compulsory = pol.filter(pl.col("kind") == "compulsory")
    compulsory_claims = claims.filter(pl.col("kind") == "compulsory")
    last_expiry = cast(dt.date, pol["expiry_date"].max())
    renewable = pol.filter(pl.col("expiry_date") <= last_expiry - dt.timedelta(days=365))
    renewed = renewable["policy_no"].is_in(pol["renews_policy_no"].drop_nulls().implode())
    vehicles_per_customer = veh.group_by("customer_no").len()["len"]
    earned = _sum(pol["earned"])
    return {
        "average_premium_per_vehicle_year": round(_mean(vehicle_years["premium"])),
        "average_commercial_ncd_coefficient": round(_mean(commercial["ncd_coefficient"]), 3),
        "loss_ratio": round(_sum(claims["cost"]) / earned, 3),
        "loss_ratio_written": round(_sum(claims["cost"]) / _sum(pol["premium"]), 3),
        "compulsory_loss_ratio": round(
            _sum(compulsory_claims["cost"]) / _sum(compulsory["earned"]), 3
        ),
        "commercial_loss_ratio": round(
            _sum(claims.filter(pl.col("kind") == "commercial")["cost"])
            / _sum(commercial["earned"]),
            3,
        ),
        "compulsory_claim_frequency": round(
            compulsory_claims.filter(~pl.col("status").is_in(VOID_STATUSES)).height
            / _sum(compulsory["exposure"]),
            3,
        ),
        "commercial_claim_frequency": round(
            claims.filter(pl.col("kind") == "commercial", ~pl.col("status").is_in(VOID_STATUSES))
            .select("policy_no", "accident_at")
            .n_unique()
            / _sum(commercial["exposure"]),
            3,
        ),
        "renewal_rate": round(_mean(renewed), 3),
        "nev_average_premium_per_vehicle_year": round(
            _mean(vehicle_years.filter(pl.col("new_energy"))["premium"])
        ),
        "household_share_of_premium": round(
            _sum(vehicle_years.filter(pl.col("use") == "household")["premium"])
            / _sum(vehicle_years["premium"]),
            3,
        ),
        "household_share_of_vehicles": round(_mean(veh["use"] == "household"), 3),
        "nev_share_of_vehicles": round(_mean(veh["new_energy"]), 3),
        "multi_vehicle_customer_share": round(_mean(vehicles_per_customer >= 2), 3),
    }


def _sum(series: pl.Series) -> float:
    return float(series.cast(pl.Float64).sum())


def _mean(series: pl.Series) -> float:
    value = series.cast(pl.Float64).mean()
    return float(cast(float, value)) if value is not None else float("nan")


def misses(figures: dict[str, float]) -> dict[str, tuple[float, Target]]:
    """The figures outside their accepted range."""
    return {t.figure: (figures[t.figure], t) for t in TARGETS if not t.met(figures[t.figure])}
