"""One redemption, in process: queries and CPU per redemption through the API and the portal.

The load test (``alliance_redeem_load.py``) measures latency against a real server; this one
says where the time goes.  It redeems fresh vouchers through ``django.test.Client`` — the API
path (``POST /api/alliance/redemptions`` with a bearer token, as a till's integration calls
it), the merchant portal's form (session, htmx) and ``services.redeem`` alone (the
alliance's own share) — and reports for each: queries per
redemption (the SQL itself with ``--show-sql``), CPU milliseconds per redemption (process
time over ``--n`` redemptions, no query capture running) and, with ``--profile``, the top
functions by cumulative time (cProfile, to stderr).  Prints one JSON object last.

    DATABASE_URL=postgres://root@127.0.0.1:5432/helper_alliance \\
        uv run --frozen python benchmarks/alliance_redeem_profile.py --n 300 --profile
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carecircle.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from benchmarks.alliance_redeem_load import fresh_vouchers  # noqa: E402
from carecircle.alliance import rules  # noqa: E402
from carecircle.alliance.models import (  # noqa: E402
    MerchantLocation,
    MerchantOffer,
    ServiceProduct,
)
from carecircle.core.models import (  # noqa: E402
    ApiToken,
    User,
)
from carecircle.core.roles import Role  # noqa: E402
from carecircle.parties.models import Customer, Partner  # noqa: E402

URL = "/api/alliance/redemptions"


def prepare(n: int) -> tuple[User, str, int, list[str]]:
    merchant, _ = Partner.objects.get_or_create(
        code="PROF-M", defaults={"name": "剖析洗车服务中心", "kind": "merchant"}
    )
    product, _ = ServiceProduct.objects.get_or_create(
        code="prof_wash", defaults={"kind": "car_wash", "name": "剖析洗车"}
    )
    MerchantOffer.objects.get_or_create(
        merchant=merchant,
        product=product,
        defaults={"price_to_insurer": Decimal("33.00"), "public_price": Decimal("60.00")},
    )
    location, _ = MerchantLocation.objects.get_or_create(merchant=merchant, name="剖析门店")
    user, _ = User.objects.get_or_create(
        username="prof_merchant", defaults={"role": Role.MERCHANT_USER, "partner": merchant}
    )
    token = ApiToken.issue(user, "alliance profile")[1]
    customer, _ = Customer.objects.get_or_create(
        customer_no="PROF-C1", defaults={"name": "剖析客户"}
    )
    codes = fresh_vouchers(customer, product, n, "profile")
    return user, token, location.pk, codes


def api_call(client: Client, token: str, location_id: int):
    def call(code: str) -> int:
        body = json.dumps({"code": rules.display(code), "location_id": location_id})
        response = client.post(
            URL, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
        )
        return response.status_code

    return call


def portal_call(client: Client, location_id: int):
    def call(code: str) -> int:
        response = client.post(
            "/alliance/merchant/redeem/",
            {"code": rules.display(code), "location": location_id},
            HTTP_HX_REQUEST="true",
        )
        return 201 if b'id="redeemed"' in response.content else response.status_code

    return call


def service_call(user, location_id: int):
    from carecircle.alliance import services

    def call(code: str) -> int:
        services.redeem(rules.display(code), acting_user=user, location_id=location_id)
        return 201

    return call


def measure(name: str, call, codes: list[str], profile: bool, show_sql: bool) -> dict:
    call(codes[0])  # warm-up: imports, URL resolver, connection
    with CaptureQueriesContext(connection) as queries:
        status = call(codes[1])
    # count now: the next request's request_started signal clears connection.queries
    count = len(queries.captured_queries)
    if show_sql:
        for q in queries.captured_queries:
            print(f"[{name}] {q['sql'][:300]}", file=sys.stderr)
    rest = codes[2:]
    started_cpu, started = time.process_time(), time.perf_counter()
    statuses = [call(code) for code in rest[: len(rest) // 2]]
    cpu_ms = (time.process_time() - started_cpu) * 1000 / max(1, len(statuses))
    wall_ms = (time.perf_counter() - started) * 1000 / max(1, len(statuses))
    if profile:
        profiler = cProfile.Profile(time.process_time)  # CPU, not waiting
        profiler.enable()
        for code in rest[len(rest) // 2 :]:
            call(code)
        profiler.disable()
        print(
            f"\n===== {name}: top functions by cumulative and own CPU time =====", file=sys.stderr
        )
        stats = pstats.Stats(profiler, stream=sys.stderr)
        stats.sort_stats("cumulative").print_stats(40)
        stats.sort_stats("tottime").print_stats(25)
    return {
        "queries": count,
        "first_status": status,
        "ok": sum(s in (200, 201) for s in statuses),
        "n": len(statuses),
        "cpu_ms": round(cpu_ms, 3),
        "wall_ms": round(wall_ms, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=300, help="redemptions per path")
    parser.add_argument("--profile", action="store_true", help="cProfile to stderr")
    parser.add_argument("--show-sql", action="store_true", help="each query to stderr")
    args = parser.parse_args()
    setup_test_environment()  # the test client's host and template hooks, nothing else
    call_command("migrate", interactive=False, verbosity=0)
    user, token, location_id, codes = prepare(3 * args.n + 6)
    api = measure(
        "api",
        api_call(Client(), token, location_id),
        codes[: args.n + 2],
        args.profile,
        args.show_sql,
    )
    browser = Client()
    browser.force_login(user)
    portal = measure(
        "portal",
        portal_call(browser, location_id),
        codes[args.n + 2 : 2 * args.n + 4],
        args.profile,
        args.show_sql,
    )
    service = measure(
        "service",
        service_call(user, location_id),
        codes[2 * args.n + 4 :],
        args.profile,
        args.show_sql,
    )
    print(
        json.dumps(
            {
                "benchmark": "alliance_redeem_profile",
                "database": connection.vendor,
                "api": api,
                "portal": portal,
                "service": service,
            }
        )
    )


if __name__ == "__main__":
    main()
