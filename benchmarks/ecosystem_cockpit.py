"""Server time of the manager's cockpit (and the health view and one scorecard), in process.

Runs the real views through Django's test ``Client`` (middleware, session, templates, the
queries; no network) against the database named by ``DATABASE_URL``, ``--repeat`` times each,
timed with ``time.perf_counter``. Prints progress, then p50/p95/max in ms as ONE JSON object
on the LAST line. Target: cockpit p95 < 300 ms with 1,000,000 customers on PostgreSQL.

The cockpit reads monthly aggregates; ``--aggregate`` (re)computes them first and times that
too (the nightly ``carecircle ecosystem aggregate``). It writes (aggregates, one bench login),
so run it on a copy of a big book, never on a shared one::

    createdb -h 127.0.0.1 -U root -T bench360 helper_eco_1m
    export DATABASE_URL=postgres://root@127.0.0.1:5432/helper_eco_1m
    uv run carecircle migrate
    uv run python benchmarks/ecosystem_cockpit.py --aggregate --months 12
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carecircle.settings")
os.environ.setdefault("CARECIRCLE_FAST_PASSWORDS", "1")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from carecircle.core import dates  # noqa: E402
from carecircle.core.models import User  # noqa: E402
from carecircle.core.roles import Role  # noqa: E402
from carecircle.ecosystem import cockpit, scorecards  # noqa: E402
from carecircle.ecosystem.models import PartnerMonth  # noqa: E402
from carecircle.parties.models import Customer  # noqa: E402


def _timed(client: Client, path: str, repeat: int) -> dict:
    times = []
    queries = 0
    for i in range(repeat + 1):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(path)
            elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")
        if i:  # the first request warms caches and connections
            times.append(elapsed)
            queries = len(captured)
    times.sort()
    return {
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1),
        "max_ms": round(times[-1], 1),
        "queries": queries,
        "bytes": len(response.content),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--aggregate", action="store_true", help="compute the aggregates first")
    parser.add_argument("--months", type=int, default=12, help="months to aggregate")
    args = parser.parse_args()

    customers = Customer.objects.count()
    engine = connection.vendor
    print(f"… {customers:,} customers on {engine}", flush=True)
    month = dates.last_complete_month()
    result: dict = {"customers": customers, "database": engine, "month": f"{month:%Y-%m}"}
    if args.aggregate:
        months = dates.months_back(month, args.months)
        started = time.perf_counter()
        for m in months:
            t0 = time.perf_counter()
            scorecards.compute_month(m)
            t1 = time.perf_counter()
            cockpit.compute_book_month(m)
            print(
                f"  aggregated {m:%Y-%m}: partners {t1 - t0:.1f} s, book "
                f"{time.perf_counter() - t1:.1f} s",
                flush=True,
            )
        result["aggregate_seconds"] = round(time.perf_counter() - started, 1)
        result["aggregate_months"] = len(months)

    user, _ = User.objects.get_or_create(
        username="bench_eco_manager", defaults={"role": Role.MANAGER}
    )
    client = Client()
    client.force_login(user)
    m = f"{month:%Y-%m}"
    result["cockpit"] = _timed(client, f"/ecosystem/?month={m}", args.repeat)
    print(f"  cockpit {result['cockpit']}", flush=True)
    result["health"] = _timed(client, f"/ecosystem/health/?month={m}", max(3, args.repeat // 4))
    print(f"  health {result['health']}", flush=True)
    top = PartnerMonth.objects.filter(month=month).order_by("-premium_brought").first()
    if top is not None:
        result["scorecard"] = _timed(
            client, f"/ecosystem/partners/{top.partner_id}/?month={m}", max(3, args.repeat // 4)
        )
        print(f"  scorecard of the biggest partner {result['scorecard']}", flush=True)
        result["drill_policies"] = _timed(
            client,
            f"/ecosystem/partners/{top.partner_id}/policies/?month={m}",
            max(3, args.repeat // 4),
        )
        print(f"  its policies (drill-down) {result['drill_policies']}", flush=True)
    result["partners"] = _timed(client, f"/ecosystem/partners/?month={m}", max(3, args.repeat // 4))
    print(f"  partner list {result['partners']}", flush=True)
    result["load_average"] = [round(x, 2) for x in os.getloadavg()]
    result["machine"] = (
        f"{platform.machine()} {os.cpu_count()} cpu, Python {platform.python_version()}"
    )
    result["target_met"] = result["cockpit"]["p95_ms"] < 300
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
