"""Bounded load test of voucher redemption on loopback against a real server on PostgreSQL.

Starts gunicorn (``--workers`` × ``--threads``) on 127.0.0.1, issues one fresh
voucher per request, then sends POST /api/alliance/redemptions at a fixed rate
(open loop: request i is due at t0 + i/rate, whether or not earlier ones have answered) for
``--seconds``.  Latency is measured from the moment a request was due, so a stalled server
shows up in the percentiles (no coordinated omission); the generator is benchmarks/loadgen.py,
which costs tens of microseconds a request so it leaves the 2 cores to the server.  Checks
afterwards that every 201 is one stored redemption.  Target: p99 < 50 ms at 200 requests/s.
Prints one JSON object last.  ``--tills 1`` sends every request with one token.

    DATABASE_URL=postgres://root@127.0.0.1:5432/bench_load \\
        uv run --frozen python benchmarks/alliance_redeem_load.py --rate 200 --seconds 30
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carecircle.settings")

import django  # noqa: E402

django.setup()

import datetime as dt  # noqa: E402
from decimal import Decimal  # noqa: E402

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from benchmarks import loadgen  # noqa: E402
from carecircle.alliance import rules  # noqa: E402
from carecircle.alliance.models import (  # noqa: E402
    MerchantOffer,
    Redemption,
    ServiceProduct,
    Voucher,
)
from carecircle.core import clock  # noqa: E402
from carecircle.core.models import (  # noqa: E402
    ApiToken,
    User,
)
from carecircle.core.roles import Role  # noqa: E402
from carecircle.parties.models import Customer, Partner  # noqa: E402


def fresh_vouchers(customer: Customer, product: ServiceProduct, n: int, reason: str) -> list[str]:
    """``n`` issued vouchers valid for 30 days from today, bulk-created, then ANALYZE so the
    planner sees the table as it is; returns their codes."""
    codes = rules.new_codes(n)
    now, today = clock.now(), clock.today()
    Voucher.objects.bulk_create(
        [
            Voucher(code=code, customer=customer, product=product, source="manual",
                    reason=reason, issued_at=now, valid_from=today,
                    valid_until=today + dt.timedelta(days=30))
            for code in codes
        ],
        batch_size=5000,
    )  # fmt: skip
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE alliance_voucher")
    return codes


def prepare(n: int, tills: int = 50, tag: str = "bench") -> tuple[list[str], list[str]]:
    """A merchant with ``tills`` staff logins, each with its own API token (as each till or
    phone at a merchant has), and ``n`` fresh vouchers (bulk-created).  One token for every
    request would make all of them update the same token row (``last_used_at``). ``tag``
    names the rows (the soak uses its own, benchmarks/soak.py)."""
    merchant, _ = Partner.objects.get_or_create(
        code=f"{tag.upper()}-M", defaults={"name": "压测洗车服务中心", "kind": "merchant"}
    )
    product, _ = ServiceProduct.objects.get_or_create(
        code=f"{tag}_wash", defaults={"kind": "car_wash", "name": "压测洗车"}
    )
    MerchantOffer.objects.get_or_create(
        merchant=merchant,
        product=product,
        defaults={"price_to_insurer": Decimal("33.00"), "public_price": Decimal("60.00")},
    )
    tokens = []
    for till in range(tills):
        user, _ = User.objects.get_or_create(
            username=f"{tag}_merchant{till}",
            defaults={"role": Role.MERCHANT_USER, "partner": merchant},
        )
        tokens.append(ApiToken.issue(user, f"{tag} load test")[1])
    customer, _ = Customer.objects.get_or_create(
        customer_no=f"{tag.upper()}-C1", defaults={"name": "压测客户"}
    )
    codes = fresh_vouchers(customer, product, n, f"{tag} load test")
    return tokens, codes


def redeem_requests(port: int, tokens: list[str], codes: list[str]):
    """Request i redeems codes[i] with the token of till i mod len(tokens)."""
    host = f"127.0.0.1:{port}"

    def build(i: int) -> bytes:
        body = json.dumps({"code": codes[i]}).encode()
        headers = {"Authorization": f"Bearer {tokens[i % len(tokens)]}",
                   "Content-Type": "application/json"}  # fmt: skip
        return loadgen.http_request("POST", "/api/alliance/redemptions", host, headers, body)

    return build


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--tills", type=int, default=50, help="merchant logins, one token each")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("PostgreSQL only: set DATABASE_URL to a database of your own")
    call_command("migrate", interactive=False, verbosity=0)
    n = int(args.rate * args.seconds)
    tokens, codes = prepare(n + 200, args.tills)
    before = Redemption.objects.count()
    connection.close()
    port = loadgen.free_port()
    server = loadgen.start_gunicorn(port, args.workers, args.threads)
    try:
        # Warm-up (not counted): every worker imports its views and opens its connection.
        loadgen.run("127.0.0.1", port, redeem_requests(port, tokens, codes[:200]), rate=50,
                    seconds=4)  # fmt: skip
        baseline = loadgen.healthz_baseline(port, server.pid, rate=args.rate, seconds=10)
        load, _ = loadgen.measure(port, server.pid, redeem_requests(port, tokens, codes[200:]),
                                  rate=args.rate, seconds=args.seconds)  # fmt: skip
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
        "stored_redemptions": stored,
        "every_201_stored_once": stored == load["statuses"].get("201", 0),
        "load_generator": "benchmarks/loadgen.py (asyncio, raw HTTP/1.1 keep-alive, open loop)",
        "baseline_healthz": baseline,
        "target_p99_ms": 50,
        "met": load["p99_ms"] < 50 and load["statuses"].get("201", 0) == n,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
