"""Load test of the customer's claim report (报案) page: p99 at a fixed rate, bounded in time.

Starts gunicorn on 127.0.0.1 against the database in ``DATABASE_URL`` (PostgreSQL for the
figure in the issue), logs a customer in, then POSTs claim reports to /claims/my/report/ at
``--rate`` requests a second for ``--seconds`` seconds from a thread pool, each request timed.
Prints one JSON object on the last line (target: p99 < 100 ms at 100 req/s).

    DATABASE_URL=postgres://root@127.0.0.1:5432/helper_claims \
        uv run --frozen python benchmarks/claims_report_load.py --rate 100 --seconds 20
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carecircle.settings")
os.environ.setdefault("CARECIRCLE_FAST_PASSWORDS", "1")

import django

django.setup()

import httpx  # noqa: E402

from carecircle.core.models import User  # noqa: E402
from carecircle.parties.models import Customer, Vehicle  # noqa: E402
from carecircle.policies.models import Policy  # noqa: E402

PASSWORD = "bench-claims-1"  # noqa: S105 - a throwaway benchmark login


def setup() -> Policy:
    today = dt.date.today()
    customer, _ = Customer.objects.get_or_create(customer_no="BENCHLOAD", defaults={"name": "压测"})
    vehicle, _ = Vehicle.objects.get_or_create(vehicle_no="BENCHLOAD", defaults={"owner": customer})
    policy, _ = Policy.objects.update_or_create(
        policy_no="BENCHLOAD",
        defaults=dict(
            kind="commercial", customer=customer, vehicle=vehicle, premium=Decimal("3000"),
            effective_date=today - dt.timedelta(days=200), expiry_date=today + dt.timedelta(days=165),
            channel="direct", ncd_level=0, ncd_coefficient=Decimal("1.000"),
        ),
    )  # fmt: skip
    user, _ = User.objects.get_or_create(
        username="bench_customer", defaults={"role": "customer", "customer": customer}
    )
    user.set_password(PASSWORD)
    user.save()
    return policy


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=100)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    policy = setup()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "carecircle.wsgi", "-b", f"127.0.0.1:{port}",
         "-w", str(args.workers), "--threads", str(args.threads), "--log-level", "warning"],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")},
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                httpx.get(base + "/accounts/login/", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        client = httpx.Client(base_url=base, timeout=10)
        client.get("/accounts/login/")
        r = client.post(
            "/accounts/login/",
            data={"username": "bench_customer", "password": PASSWORD,
                  "csrfmiddlewaretoken": client.cookies["csrftoken"]},
            headers={"Referer": base + "/accounts/login/"},
        )  # fmt: skip
        assert r.status_code in (200, 302), r.status_code
        cookies = dict(client.cookies)
        lat: list[float] = []
        errors: list[int] = []
        lock = threading.Lock()
        local = threading.local()
        accident = (dt.datetime.now() - dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")

        def one(i: int) -> None:
            c = getattr(local, "c", None)
            if c is None:
                c = local.c = httpx.Client(base_url=base, timeout=10, cookies=cookies)
            t = time.perf_counter()
            resp = c.post(
                "/claims/my/report/",
                data={"policy": policy.pk, "accident_at": accident, "description": f"压测 {i}",
                      "customer_estimate": "3000", "csrfmiddlewaretoken": cookies["csrftoken"]},
                headers={"Referer": base + "/claims/my/report/"},
            )  # fmt: skip
            ms = (time.perf_counter() - t) * 1000
            with lock:
                lat.append(ms)
                if resp.status_code != 302:
                    errors.append(resp.status_code)

        n = int(args.rate * args.seconds)
        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=64) as pool:
            for i in range(n):
                delay = start + i / args.rate - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                pool.submit(one, i)
        elapsed = time.perf_counter() - start
        lat.sort()

        def pct(p: float) -> float:
            return round(lat[min(len(lat) - 1, int(p * len(lat)))], 1)

        print(
            json.dumps(
                {
                    "benchmark": "claims_report_load",
                    "endpoint": "POST /claims/my/report/",
                    "database": django.db.connection.vendor,
                    "requests": len(lat),
                    "errors": len(errors),
                    "achieved_rate": round(len(lat) / elapsed, 1),
                    "p50_ms": pct(0.50),
                    "p95_ms": pct(0.95),
                    "p99_ms": pct(0.99),
                    "target_p99_ms": 100,
                    "met": pct(0.99) < 100 and not errors,
                    "gunicorn": f"{args.workers} workers × {args.threads} threads",
                    "load_average": [round(x, 2) for x in os.getloadavg()],
                }
            )
        )
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
