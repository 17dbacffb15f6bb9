"""Server time of the seat's renewal queue and task page, and of recording an outcome, on the
book in the database named by ``DATABASE_URL`` (targets: pages < 150 ms, outcome p95 < 50 ms
with 1,000,000 customers in PostgreSQL).

    DATABASE_URL=postgres://root@127.0.0.1:5432/bench360 \\
        uv run --frozen python benchmarks/renewals_workspace.py --samples 200

1. Gives every active seat of the book a seat profile (40 calls a day) and builds today's
   pipeline when none exists (its time is reported: the pipeline at book scale).
2. Queue and task pages through Django's test ``Client`` (middleware, session, templates; no
   network) for random seats and tasks, at 10:00 business time so the rules allow calls.
3. Outcome: a dial (simulated CTI, never answered) then ``record_outcome(not_reached)``;
   only the outcome is timed.
Prints p50/p95/p99 in ms as ONE JSON object on the LAST line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carecircle.settings")
os.environ.setdefault("CARECIRCLE_FAST_PASSWORDS", "1")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from carecircle.core import clock  # noqa: E402
from carecircle.core.errors import DomainError  # noqa: E402
from carecircle.core.models import User  # noqa: E402
from carecircle.core.roles import Role  # noqa: E402
from carecircle.parties.models import Customer  # noqa: E402
from carecircle.renewals.choices import Stage  # noqa: E402
from carecircle.renewals.models import PipelineRun, RenewalTask, SeatProfile  # noqa: E402
from carecircle.renewals.selectors import queue  # noqa: E402
from carecircle.renewals.services import workspace as services  # noqa: E402
from carecircle.renewals.services.pipeline import run_pipeline  # noqa: E402


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


def summary(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50": pct(values, 0.5),
        "p95": pct(values, 0.95),
        "p99": pct(values, 0.99),
        "mean": round(statistics.fmean(values), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    settings.CARECIRCLE_CTI = "carecircle.renewals.cti.NeverConnects"
    settings.ALLOWED_HOSTS = ["*"]
    today = clock.today()
    ten = timezone.make_aware(dt.datetime.combine(today, dt.time(10)))
    out: dict[str, object] = {"customers": Customer.objects.count()}
    pipeline_seconds = None
    with clock.frozen_at(ten):
        if not PipelineRun.objects.filter(as_of=today).exists():
            seats = User.objects.filter(role=Role.SEAT, is_active=True)
            SeatProfile.objects.bulk_create(
                [
                    SeatProfile(
                        user=u, daily_capacity=40, handles_companies=True, handles_new_energy=True
                    )
                    for u in seats
                ],
                ignore_conflicts=True,
            )
            print(f"building the pipeline for {out['customers']:,} customers …", file=sys.stderr)
            started = time.perf_counter()
            run = run_pipeline(today, progress=lambda m: print(f"  {m}", file=sys.stderr))
            pipeline_seconds = round(time.perf_counter() - started, 1)
            out["pipeline_counts"] = run.counts
        out["pipeline_seconds"] = pipeline_seconds
        out["open_renewals"] = RenewalTask.objects.open().count()
        holders = list(
            RenewalTask.objects.filter(stage=Stage.TELESALES, assignee__role=Role.SEAT)
            .values_list("assignee_id", flat=True)
            .distinct()[:500]
        )
        queue_ms, task_ms, outcome_ms = [], [], []
        blocked: dict[str, int] = {}
        client = Client()
        client.force_login(User.objects.get(pk=holders[0]))
        client.get("/renewals/")  # warm up: templates compiled, connection open
        for i in range(args.samples):
            seat = User.objects.get(pk=rng.choice(holders))
            client.force_login(seat)
            started = time.perf_counter()
            response = client.get("/renewals/")
            queue_ms.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
            task = rng.choice(queue(seat, ten))
            started = time.perf_counter()
            response = client.get(f"/renewals/task/{task.pk}/")
            task_ms.append((time.perf_counter() - started) * 1000)
            assert response.status_code in (200, 409), response.status_code
            try:
                contact = services.place_call(task, seat)
            except DomainError as refused:  # the rules said no (consent, caps): next sample
                blocked[refused.code] = blocked.get(refused.code, 0) + 1
                continue
            started = time.perf_counter()
            services.record_outcome(
                task, seat, "not_reached", idempotency_key=f"bench-{contact.pk}", contact=contact
            )
            outcome_ms.append((time.perf_counter() - started) * 1000)
            if i % 50 == 0:
                print(f"  {i}/{args.samples}", file=sys.stderr)
    out.update(
        queue_page_ms=summary(queue_ms),
        task_page_ms=summary(task_ms),
        record_outcome_ms=summary(outcome_ms),
        blocked_dials=blocked,
        load=os.getloadavg()[0],
    )
    print(json.dumps(out))


if __name__ == "__main__":
    main()
