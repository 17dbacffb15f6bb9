"""Bulk re-evaluation of open claims' clocks (target: 100,000 open claims in < 10 s).

Fills the database named by ``DATABASE_URL`` with ``--claims`` open claims in every stage
(on one synthetic policy; the clocks read only the claim row), then times
``carecircle.claims.clocks.reevaluate_open_claims`` twice: a cold run where every claim's
clocks are written, and a warm run the next day where only changed claims are written.
Baseline in the same process: the per-claim ORM path (refresh_clocks + save) on a sample,
extrapolated. Prints one JSON object on the last line.

    createdb -h 127.0.0.1 -U root helper_claims
    DATABASE_URL=postgres://root@127.0.0.1:5432/helper_claims uv run --frozen carecircle migrate
    DATABASE_URL=postgres://root@127.0.0.1:5432/helper_claims \
        uv run --frozen python benchmarks/claims_clocks.py --claims 100000
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carecircle.settings")

import django

django.setup()

from django.db import connection  # noqa: E402

from carecircle.claims import services  # noqa: E402
from carecircle.claims.models import Claim  # noqa: E402
from carecircle.claims.services.clocks import reevaluate_open_claims  # noqa: E402
from carecircle.parties.models import Customer, Vehicle  # noqa: E402
from carecircle.policies.models import Policy  # noqa: E402

SH = dt.timezone(dt.timedelta(hours=8))
STAGES = ["reported", "dispatched", "surveyed", "registered", "assessed", "injury_handling",
          "loss_checked", "adjusted", "approved"]  # fmt: skip


def fill(n: int) -> None:
    have = Claim.objects.filter(claim_no__startswith="BENCHCLK").count()
    if have >= n:
        return
    customer, _ = Customer.objects.get_or_create(customer_no="BENCHCLK", defaults={"name": "基准"})
    vehicle, _ = Vehicle.objects.get_or_create(vehicle_no="BENCHCLK", defaults={"owner": customer})
    policy, _ = Policy.objects.get_or_create(
        policy_no="BENCHCLK",
        defaults=dict(
            kind="commercial", customer=customer, vehicle=vehicle, premium=Decimal("3000"),
            effective_date=dt.date(2025, 6, 1), expiry_date=dt.date(2026, 6, 1), channel="direct",
        ),
    )  # fmt: skip
    rng = random.Random(5)
    rows = []
    for i in range(have, n):
        reported = dt.datetime(2026, 1, 5, 9, tzinfo=SH) + dt.timedelta(
            hours=rng.randint(0, 24 * 55)
        )
        status = rng.choice(STAGES)
        waiting = reported + dt.timedelta(days=2) if rng.random() < 0.1 else None
        rows.append(
            Claim(
                claim_no=f"BENCHCLK{i:09d}", policy=policy, vehicle=vehicle,
                coverage="vehicle_damage", accident_at=reported - dt.timedelta(hours=2),
                reported_at=reported, status=status, injury=rng.random() < 0.05,
                amount_reserved=Decimal(rng.randint(500, 60000)),
                approved_at=reported + dt.timedelta(days=5) if status == "approved" else None,
                documents_complete_at=reported + dt.timedelta(days=3) if rng.random() < 0.5 else None,
                waiting_since=waiting, paused_days=rng.randint(0, 3),
            )
        )  # fmt: skip
        if len(rows) == 10_000:
            Claim.objects.bulk_create(rows)
            rows = []
    Claim.objects.bulk_create(rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=1_000)
    args = parser.parse_args()
    fill(args.claims)
    Claim.objects.filter(claim_no__startswith="BENCHCLK").update(
        promised_on=None, promise_state="", due_on=None, due_clock="", clock_state=""
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:  # what autovacuum does between nightly runs
            cur.execute("VACUUM ANALYZE claims_claim")
    cold = reevaluate_open_claims(dt.date(2026, 3, 2))
    warm = reevaluate_open_claims(dt.date(2026, 3, 3))
    sample = list(Claim.objects.filter(claim_no__startswith="BENCHCLK")[: args.sample])
    t = time.perf_counter()
    for claim in sample:
        services.refresh_clocks(claim, dt.date(2026, 3, 4))
        claim.save(
            update_fields=["promised_on", "promise_state", "due_on", "due_clock", "clock_state"]
        )
    per_claim = (time.perf_counter() - t) / max(len(sample), 1)
    baseline = per_claim * cold.claims
    print(
        json.dumps(
            {
                "benchmark": "claims_clocks",
                "database": connection.vendor,
                "open_claims": cold.claims,
                "cold_seconds": round(cold.seconds, 2),
                "cold_changed": cold.changed,
                "warm_seconds": round(warm.seconds, 2),
                "warm_changed": warm.changed,
                "breached": warm.breached,
                "due_soon": warm.warnings,
                "orm_per_claim_baseline_seconds": round(baseline, 1),
                "speedup_vs_orm": round(baseline / cold.seconds, 1) if cold.seconds else None,
                "target_seconds": 10,
                "met_nightly": warm.seconds < 10,
                "met_cold": cold.seconds < 10,
                "load_average": [round(x, 2) for x in os.getloadavg()],
                "machine": f"{platform.machine()} {os.cpu_count()} cpus",
            }
        )
    )


if __name__ == "__main__":
    main()
