"""Bounded load test of voucher redemption on loopback against a real server on PostgreSQL.

Starts gunicorn (``--workers`` × ``--threads``) on 127.0.0.1, issues one fresh
voucher per request, then sends POST /api/alliance/redemptions at a fixed rate
(open loop: request i is due at t0 + i/rate, whether or not earlier ones have answered) for
``--seconds``.  Latency is measured from the moment a request was due, so a stalled server
shows up in the percentiles (no coordinated omission).  Checks afterwards that every 201 is
one stored redemption.  Target: p99 < 50 ms at 200 requests/s.  Prints one JSON object last.

    DATABASE_URL=postgres://root@127.0.0.1:5432/helper_alliance \\
        uv run --frozen python benchmarks/alliance_redeem_load.py --rate 200 --seconds 30
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carecircle.settings")

import django  # noqa: E402

django.setup()

import datetime as dt  # noqa: E402
from decimal import Decimal  # noqa: E402

import httpx  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from carecircle.alliance import rules  # noqa: E402
from carecircle.alliance.models import (  # noqa: E402
    MerchantOffer,
    Redemption,
    ServiceProduct,
    Voucher,
)
from carecircle.api.models import ApiToken  # noqa: E402
from carecircle.core import clock  # noqa: E402
from carecircle.core.models import User  # noqa: E402
from carecircle.core.roles import Role  # noqa: E402
from carecircle.parties.models import Customer, Partner  # noqa: E402


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def prepare(n: int, tills: int = 50) -> tuple[list[str], list[str]]:
    """A merchant with ``tills`` staff logins, each with its own API token (as each till or
    phone at a merchant has), and ``n`` fresh vouchers (bulk-created).  One token for every
    request would make all of them update the same token row (``last_used_at``)."""
    merchant, _ = Partner.objects.get_or_create(
        code="BENCH-M", defaults={"name": "压测洗车服务中心", "kind": "merchant"}
    )
    product, _ = ServiceProduct.objects.get_or_create(
        code="bench_wash", defaults={"kind": "car_wash", "name": "压测洗车"}
    )
    MerchantOffer.objects.get_or_create(
        merchant=merchant,
        product=product,
        defaults={"price_to_insurer": Decimal("33.00"), "public_price": Decimal("60.00")},
    )
    tokens = []
    for till in range(tills):
        user, _ = User.objects.get_or_create(
            username=f"bench_merchant{till}",
            defaults={"role": Role.MERCHANT_USER, "partner": merchant},
        )
        tokens.append(ApiToken.issue(user, "alliance load test")[1])
    customer, _ = Customer.objects.get_or_create(
        customer_no="BENCH-C1", defaults={"name": "压测客户"}
    )
    codes = rules.new_codes(n)
    now = clock.now()
    today = clock.today()
    Voucher.objects.bulk_create(
        [
            Voucher(
                code=code,
                customer=customer,
                product=product,
                source="manual",
                reason="load test",
                issued_at=now,
                valid_from=today,
                valid_until=today + dt.timedelta(days=30),
            )
            for code in codes
        ],
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE alliance_voucher")
    return tokens, codes


def start_server(port: int, workers: int, threads: int) -> subprocess.Popen:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "carecircle.settings",
        "PYTHONPATH": f"{ROOT}:{ROOT / 'src'}",
    }
    argv = [
        str(gunicorn),
        "carecircle.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/accounts/login/", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.3)
    server.terminate()
    raise SystemExit("the server did not start")


def server_cpu_seconds(master: int) -> float:
    """User + system CPU of the gunicorn master and its workers (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(stat.parent.name), int(fields[1])
        if pid == master or ppid == master:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def run_load(url: str, tokens: list[str], codes: list[str], rate: float, concurrency: int) -> dict:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    client = httpx.Client(limits=limits, timeout=10)
    results: list[tuple[float, float, int]] = []
    lock = threading.Lock()

    def send(due: float, code: str, token: str) -> None:
        started = time.perf_counter()
        try:
            headers = {"Authorization": f"Bearer {token}"}
            status = client.post(url, json={"code": code}, headers=headers).status_code
        except httpx.HTTPError:
            status = 0
        ended = time.perf_counter()
        with lock:
            results.append((ended - due, ended - started, status))

    t0 = time.perf_counter() + 0.2
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        for i, code in enumerate(codes):
            due = t0 + i / rate
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            pool.submit(send, due, code, tokens[i % len(tokens)])
    elapsed = time.perf_counter() - t0
    client.close()
    since_due = [r[0] * 1000 for r in results]
    service = [r[1] * 1000 for r in results]
    statuses: dict[str, int] = {}
    for _, _, status in results:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    return {
        "requests": len(results),
        "achieved_rate": round(len(results) / elapsed, 1),
        "statuses": statuses,
        "p50_ms": round(percentile(since_due, 50), 1),
        "p95_ms": round(percentile(since_due, 95), 1),
        "p99_ms": round(percentile(since_due, 99), 1),
        "max_ms": round(max(since_due), 1),
        "service_p99_ms": round(percentile(service, 99), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("PostgreSQL only: set DATABASE_URL to a database of your own")
    call_command("migrate", interactive=False, verbosity=0)
    n = int(args.rate * args.seconds)
    tokens, codes = prepare(n + 200)
    before = Redemption.objects.count()
    connection.close()
    server = start_server(args.port, args.workers, args.threads)
    url = f"http://127.0.0.1:{args.port}/api/alliance/redemptions"
    try:
        run_load(url, tokens, codes[:200], rate=50, concurrency=8)  # warm-up, not counted
        cpu_before = server_cpu_seconds(server.pid)
        load = run_load(url, tokens, codes[200:], rate=args.rate, concurrency=args.concurrency)
        cpu = server_cpu_seconds(server.pid) - cpu_before
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    stored = Redemption.objects.count() - before - 200
    result = {
        "benchmark": "alliance_redeem_load",
        "database": "postgresql",
        "vouchers_in_table": Voucher.objects.count(),
        "target_rate": args.rate,
        "seconds": args.seconds,
        "gunicorn": f"{args.workers} workers x {args.threads} threads",
        "tokens": len(tokens),
        **load,
        "server_cpu_ms_per_request": round(cpu * 1000 / max(load["requests"], 1), 1),
        "stored_redemptions": stored,
        "every_201_stored_once": stored == load["statuses"].get("201", 0),
        "target_p99_ms": 50,
        "met": load["p99_ms"] < 50 and load["statuses"].get("201", 0) == load["requests"],
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
