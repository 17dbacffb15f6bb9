"""Calibration of a generated book against the market figures in ../shared/DOMAIN.md.

    uv run python benchmarks/calibration.py --book DIR      # a folder from `carecircle generate`
    uv run python benchmarks/calibration.py --customers 20000   # generate one first

Prints one JSON object last: each measured figure.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import polars as pl


def measure(book: Path) -> dict[str, float]:
    def scan(t: str) -> pl.LazyFrame:
        return pl.scan_parquet(book / t / "*.parquet")

    pol = scan("policies").with_columns(pl.col("premium").cast(pl.Float64)).collect()
    veh = scan("vehicles").collect()
    claims = (
        scan("claims")
        .with_columns(
            (
                pl.col("amount_paid").cast(pl.Float64) + pl.col("amount_reserved").cast(pl.Float64)
            ).alias("cost")
        )
        .collect()
    )
    vehicle_years = pol.group_by("vehicle_no", "effective_date").agg(pl.col("premium").sum())
    commercial = pol.filter(pl.col("kind") == "commercial")
    compulsory = pol.filter(pl.col("kind") == "compulsory")
    renewable = pol.filter(
        pl.col("expiry_date") <= pol["expiry_date"].max() - pl.duration(days=365)
    )
    renewed = renewable["policy_no"].is_in(pol["renews_policy_no"].drop_nulls().to_list()).mean()
    nev = veh.filter(pl.col("new_energy"))["vehicle_no"]
    cost_by_kind = (
        claims.join(pol.select("policy_no", "kind"), on="policy_no")
        .group_by("kind")
        .agg(pl.col("cost").sum(), pl.len())
    )
    kinds = {r["kind"]: r for r in cost_by_kind.to_dicts()}
    return {
        "average_premium_per_vehicle_year": round(vehicle_years["premium"].mean(), 0),
        "average_commercial_ncd_coefficient": round(
            commercial["ncd_coefficient"].cast(pl.Float64).mean(), 3
        ),
        "loss_ratio": round(claims["cost"].sum() / pol["premium"].sum(), 3),
        "compulsory_loss_ratio": round(
            kinds.get("compulsory", {}).get("cost", 0) / compulsory["premium"].sum(), 3
        ),
        "compulsory_claim_frequency": round(
            kinds.get("compulsory", {}).get("len", 0) / compulsory.height, 3
        ),
        "renewal_rate": round(float(renewed or 0), 3),
        "household_share_of_vehicles": round((veh["use"] == "household").mean(), 3),
        "nev_share_of_vehicles": round(veh["new_energy"].mean(), 3),
        "nev_average_premium_per_vehicle_year": round(
            vehicle_years.filter(pl.col("vehicle_no").is_in(nev.to_list()))["premium"].mean(), 0
        ),
        "multi_vehicle_customer_share": round(
            (veh.group_by("customer_no").len()["len"] >= 2).mean(), 3
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--book", type=Path)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if args.book:
        figures = measure(args.book)
    else:
        with tempfile.TemporaryDirectory() as out:
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "carecircle",
                    "generate",
                    "--customers",
                    str(args.customers),
                    "--seed",
                    str(args.seed),
                    "--out",
                    out,
                    "--no-progress",
                ],
                check=True,
                stdout=subprocess.DEVNULL,
            )
            figures = measure(Path(out))
    print(json.dumps({"customers": args.customers if not args.book else None, **figures}))


if __name__ == "__main__":
    main()
