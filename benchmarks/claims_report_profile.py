"""What one claim report costs the server, in process: queries and CPU per POST
/claims/my/report/ through ``django.test.Client`` (session, auth, form, service, redirect), on
the database named by ``DATABASE_URL``. Optional ``--profile`` prints cProfile's top entries.
The load test against a running server is ``benchmarks/claims_report_load.py``; this script
isolates the request path from the network and the load generator. One JSON object last.

    createdb -h 127.0.0.1 -U root helper_claims
    DATABASE_URL=postgres://root@127.0.0.1:5432/helper_claims uv run --frozen carecircle migrate
    DATABASE_URL=postgres://root@127.0.0.1:5432/helper_claims \
        uv run --frozen python benchmarks/claims_report_profile.py --reports 300 [--photo]
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import json
import os
import platform
import pstats
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carecircle.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from carecircle.core.models import User  # noqa: E402
from carecircle.core.roles import Role  # noqa: E402
from carecircle.parties.models import Customer, Vehicle  # noqa: E402
from carecircle.policies.models import Coverage, Policy  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"


def fixture() -> User:
    customer, _ = Customer.objects.get_or_create(customer_no="BENCHRPT", defaults={"name": "基准"})
    vehicle, _ = Vehicle.objects.get_or_create(vehicle_no="BENCHRPT", defaults={"owner": customer})
    today = dt.date.today()
    policy, _ = Policy.objects.get_or_create(
        policy_no="BENCHRPT",
        defaults=dict(
            kind="commercial", customer=customer, vehicle=vehicle, premium=Decimal("3000"),
            effective_date=today - dt.timedelta(days=200),
            expiry_date=today + dt.timedelta(days=165), channel="direct",
        ),
    )  # fmt: skip
    Coverage.objects.get_or_create(
        policy=policy,
        code="vehicle_damage",
        defaults={"limit": Decimal("150000"), "premium": Decimal("2000")},
    )
    user = User.objects.filter(username="bench_report").first()
    if user is None:
        # force_login below: no password is ever used.
        user = User.objects.create_user("bench_report", role=Role.CUSTOMER, customer=customer)
    return user


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", type=int, default=300)
    ap.add_argument("--photo", action="store_true", help="attach one small PNG to each report")
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()
    setup_test_environment()  # allows the test client's host and keeps e-mail in memory
    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="claims_report_profile_")
    user = fixture()
    policy = Policy.objects.get(policy_no="BENCHRPT")
    client = Client()
    client.force_login(user)
    when = (dt.datetime.now() - dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")

    def post() -> int:
        data: dict = {
            "policy": str(policy.pk), "accident_at": when, "location": "杭州",
            "description": "停车时被剐蹭", "customer_estimate": "1800",
            "single_vehicle": "on", "liability_clear": "on",
        }  # fmt: skip
        if args.photo:
            data["photos"] = SimpleUploadedFile("door.png", PNG, content_type="image/png")
        response = client.post("/claims/my/report/", data)
        assert response.status_code == 302, response.content[:2000]
        return response.status_code

    for _ in range(20):  # warm-up: imports, template and URL caches, connection
        post()
    with CaptureQueriesContext(connection) as ctx:
        post()
    queries = [q["sql"][:120] for q in ctx.captured_queries]
    cpu: list[float] = []
    profiler = cProfile.Profile(time.process_time) if args.profile else None  # CPU, not wall
    for _ in range(args.reports):
        start = time.process_time()
        if profiler:
            profiler.enable()
        post()
        if profiler:
            profiler.disable()
        cpu.append((time.process_time() - start) * 1000)
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(
            os.environ.get("PROFILE_SORT", "cumulative")
        ).print_stats(40)
        print(out.getvalue())
    for sql in queries:
        print(sql)
    cpu.sort()
    print(
        json.dumps(
            {
                "benchmark": "claims_report_profile",
                "database": connection.vendor,
                "reports": args.reports,
                "photo": args.photo,
                "queries_per_report": len(queries),
                "cpu_ms_median": round(statistics.median(cpu), 2),
                "cpu_ms_p90": round(cpu[int(len(cpu) * 0.9) - 1], 2),
                "machine": f"{platform.machine()} {os.cpu_count()} cores",
            }
        )
    )


if __name__ == "__main__":
    main()
