"""Load test of the customer's claim report (报案) page: p99 at a fixed rate, bounded in time.

Starts gunicorn on 127.0.0.1 against the database in ``DATABASE_URL`` (PostgreSQL for the
figure in the issue), logs a customer in, then POSTs claim reports to /claims/my/report/ at
``--rate`` requests a second for ``--seconds`` seconds, open loop, from benchmarks/loadgen.py
(latency from the moment each request was due). ``--worker`` also runs the task worker that
checks reports for red flags and the fast track, on the same 2 cores, and reports whether it
kept up. Prints one JSON object on the last line (target: p99 < 100 ms at 100 req/s).

    DATABASE_URL=postgres://root@127.0.0.1:5432/bench_load \
        uv run --frozen python benchmarks/claims_report_load.py --rate 100 --seconds 20
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
import urllib.parse
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carecircle.settings")
os.environ.setdefault("CARECIRCLE_FAST_PASSWORDS", "1")

import django  # noqa: E402

django.setup()

import httpx  # noqa: E402
from django.core.management import call_command  # noqa: E402

from benchmarks import loadgen  # noqa: E402
from carecircle.claims.models import Claim  # noqa: E402
from carecircle.core.models import User  # noqa: E402
from carecircle.parties.models import Customer, Vehicle  # noqa: E402
from carecircle.policies.models import Policy  # noqa: E402

PASSWORD = "bench-claims-1"  # noqa: S105 - a throwaway benchmark login


def setup(
    tag: str = "BENCHLOAD", username: str = "bench_customer", password: str = PASSWORD
) -> Policy:
    """A customer login (``username``) with a commercial policy in force, to report claims
    from its page; ``tag`` numbers the customer, vehicle and policy (the soak uses its own)."""
    today = dt.date.today()
    customer, _ = Customer.objects.get_or_create(customer_no=tag, defaults={"name": "压测"})
    vehicle, _ = Vehicle.objects.get_or_create(vehicle_no=tag, defaults={"owner": customer})
    policy, _ = Policy.objects.update_or_create(
        policy_no=tag,
        defaults=dict(
            kind="commercial", customer=customer, vehicle=vehicle, premium=Decimal("3000"),
            effective_date=today - dt.timedelta(days=200), expiry_date=today + dt.timedelta(days=165),
            channel="direct", ncd_level=0, ncd_coefficient=Decimal("1.000"),
        ),
    )  # fmt: skip
    user, _ = User.objects.get_or_create(
        username=username, defaults={"role": "customer", "customer": customer}
    )
    user.set_password(password)
    user.save()
    return policy


def login(base: str) -> dict[str, str]:
    client = httpx.Client(base_url=base, timeout=10)
    client.get("/accounts/login/")
    r = client.post(
        "/accounts/login/",
        data={"username": "bench_customer", "password": PASSWORD,
              "csrfmiddlewaretoken": client.cookies["csrftoken"]},
        headers={"Referer": base + "/accounts/login/"},
    )  # fmt: skip
    assert r.status_code in (200, 302), r.status_code
    return dict(client.cookies)


def report_requests(port: int, policy: Policy, cookies: dict[str, str], tag: str):
    host = f"127.0.0.1:{port}"
    accident = (dt.datetime.now() - dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    headers = {
        "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
        "Content-Type": "application/x-www-form-urlencoded",
        "Referer": f"http://{host}/claims/my/report/",
    }

    def build(i: int) -> bytes:
        body = urllib.parse.urlencode(
            # The report form asks for the vehicle and what was damaged (since #14), not a policy.
            {"vehicle": policy.vehicle_id, "own_car": "on", "accident_at": accident,
             "description": f"压测 {tag}{i}",
             "customer_estimate": "3000", "csrfmiddlewaretoken": cookies["csrftoken"]}
        ).encode()  # fmt: skip
        return loadgen.http_request("POST", "/claims/my/report/", host, headers, body)

    return build


def pending_tasks() -> int | None:
    try:
        from django_tasks_db.models import DBTaskResult
    except ImportError:
        return None
    return DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).count()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=100)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--worker", action="store_true", help="run the task worker alongside")
    args = parser.parse_args()
    call_command("migrate", interactive=False, verbosity=0)
    policy = setup()
    django.db.connection.close()
    port = loadgen.free_port()
    server = loadgen.start_gunicorn(port, args.workers, args.threads)
    worker = None
    if args.worker:
        worker = subprocess.Popen(
            [sys.executable, "-m", "carecircle.cli", "worker", "--no-startup-delay",
             "--interval", "0.2", "--no-reload"],
            env={**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'src'}",
                 "CARECIRCLE_ALLOW_DEMO_KEYS": "1"}, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
    try:
        cookies = login(f"http://127.0.0.1:{port}")
        tag = f"{time.time():.0f}-"
        warm = report_requests(port, policy, cookies, "warm-" + tag)
        loadgen.run("127.0.0.1", port, warm, rate=20, seconds=3)  # warm-up, not counted
        baseline = loadgen.healthz_baseline(port, server.pid, rate=args.rate, seconds=10)
        backlog_before = pending_tasks()
        build = report_requests(port, policy, cookies, tag)
        load, run = loadgen.measure(port, server.pid, build, rate=args.rate, seconds=args.seconds)
        backlog_after = pending_tasks()
        n = int(args.rate * args.seconds)
        ok = run.statuses.get(302, 0)
        stored = Claim.objects.filter(description__startswith=f"压测 {tag}").count()
        print(
            json.dumps(
                {
                    "benchmark": "claims_report_load",
                    "endpoint": "POST /claims/my/report/",
                    "database": django.db.connection.vendor,
                    **load,
                    "claims_stored": stored,
                    "task_worker": bool(worker),
                    "tasks_pending_before_after": [backlog_before, backlog_after],
                    "baseline_healthz": baseline,
                    "target_p99_ms": 100,
                    "met": run.percentile(99) < 100 and ok == n == stored,
                    "gunicorn": f"{args.workers} workers × {args.threads} threads",
                    "load_generator": "benchmarks/loadgen.py (asyncio, raw HTTP/1.1, open loop)",
                    "load_average": [round(x, 2) for x in os.getloadavg()],
                }
            )
        )
    finally:
        for proc in (server, worker):
            if proc is not None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(30)


if __name__ == "__main__":
    main()
