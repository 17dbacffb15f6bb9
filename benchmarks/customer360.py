"""Server time of the customer search and the customer 360 page, in process.

Runs the real views through Django's test ``Client`` (middleware, session, templates and all;
no network) for ``--samples`` random customers of the book in the database named by
``DATABASE_URL``, timed with ``time.perf_counter``. Prints progress, then p50/p95/p99 in ms
as ONE JSON object on the LAST line.

A realistic book first (target: p95 < 150 ms on PostgreSQL at 1,000,000 customers)::

    createdb -h 127.0.0.1 -U root carecircle_bench
    export DATABASE_URL=postgres://root@127.0.0.1:5432/carecircle_bench
    uv run carecircle migrate
    uv run carecircle generate --customers 1000000 --into-db
    uv run python benchmarks/customer360.py

Or let the script build a quick synthetic book itself when the database holds fewer
customers than asked (bulk inserts; roughly 10 rows per customer)::

    uv run python benchmarks/customer360.py --customers 100000
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carecircle.settings")
os.environ.setdefault("CARECIRCLE_FAST_PASSWORDS", "1")
# One user searches hundreds of full numbers here: lift the per-user brake (#21, parties/throttle).
os.environ.setdefault("CARECIRCLE_PII_SEARCHES_PER_HOUR", "1000000")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from carecircle.claims.models import Claim  # noqa: E402
from carecircle.core import pii  # noqa: E402
from carecircle.core.models import OrgUnit, UnitLevel, User  # noqa: E402
from carecircle.core.org import head_office  # noqa: E402
from carecircle.core.roles import Role  # noqa: E402
from carecircle.core.validators import id_number_check_char, vin_check_char  # noqa: E402
from carecircle.parties.models import Customer, Partner, Vehicle  # noqa: E402
from carecircle.policies.models import Coverage, Policy  # noqa: E402
from carecircle.touchpoints.models import Interaction  # noqa: E402

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红文辉鹏飞宇浩然子涵欣怡"
CITIES = [("浙江", "杭州"), ("浙江", "宁波"), ("江苏", "南京"), ("上海", "上海"), ("广东", "深圳")]
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
SERIAL = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
BATCH = 5000


# ------------------------------------------------------------------ synthetic book


def _id_number(i: int, rng: random.Random) -> str:
    birth = dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(40 * 365))
    first17 = f"330106{birth:%Y%m%d}{i % 1000:03d}"
    return first17 + id_number_check_char(first17)


def _vin(i: int) -> str:
    body = f"LSVAB4BR0{i:08d}"
    return body[:8] + vin_check_char(body) + body[9:]


def _plate(i: int) -> str:
    serial, n = [], i
    for _ in range(5):
        n, r = divmod(n, len(SERIAL))
        serial.append(SERIAL[r])
    return "浙" + PLATE_LETTERS[n % len(PLATE_LETTERS)] + "".join(serial)


def bench_units() -> list[OrgUnit]:
    """The benchmark's tree (#15): 浙江分公司 → 10 city branches → 4 sub-branches each; the
    book is spread over the 40 sub-branches. Returns the sub-branches in code order."""
    root = head_office()
    province, _ = OrgUnit.objects.get_or_create(
        code="33000000",
        defaults={"name": "浙江分公司", "level": UnitLevel.PROVINCE, "parent": root},
    )
    subs = []
    for city in range(1, 11):
        city_unit, _ = OrgUnit.objects.get_or_create(
            code=f"33{city:02d}0000",
            defaults={"name": f"城市{city}中心支公司", "level": UnitLevel.CITY, "parent": province},
        )
        for sub in range(1, 5):
            unit, _ = OrgUnit.objects.get_or_create(
                code=f"33{city:02d}{sub:02d}00",
                defaults={
                    "name": f"城市{city}支公司{sub}",
                    "level": UnitLevel.SUB_BRANCH,
                    "parent": city_unit,
                },
            )
            subs.append(unit)
    return subs


def _bulk(model, rows):
    with transaction.atomic():
        return model.objects.bulk_create(rows, batch_size=BATCH)


def build_book(total: int, start: int, seed: int = 7) -> None:
    """Append customers ``start``…``total-1``: 1 car each, a 3-year commercial renewal chain
    plus compulsory, 2 coverages on the newest commercial year, claims on 15%, 2 contacts."""
    rng = random.Random(seed + start)
    partners = list(Partner.objects.all()[:50]) or _bulk(
        Partner,
        [
            Partner(code=f"BP{k:04d}", name=f"基准4S店{k}", kind="four_s_shop", city="杭州")
            for k in range(50)
        ],
    )
    today = dt.date.today()
    now = timezone.now()
    units = bench_units()
    for lo in range(start, total, BATCH * 4):
        hi = min(total, lo + BATCH * 4)
        customers = []
        for i in range(lo, hi):
            province, city = CITIES[i % len(CITIES)]
            c = Customer(
                customer_no=f"B{i:09d}",
                name=rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2)))),
                gender="MF"[i % 2],
                province=province,
                city=city,
                marketing_consent=i % 3 == 0,
                source="bench",
                unit=units[i % len(units)],
            )
            c.set_phone(f"1{rng.choice('356789')}{rng.randrange(10**9):09d}")
            c.set_id_number(_id_number(i, rng))
            customers.append(c)
        customers = _bulk(Customer, customers)
        vehicles = _bulk(
            Vehicle,
            [
                Vehicle(
                    vehicle_no=f"BV{i:09d}",
                    owner=c,
                    plate=_plate(i),
                    vin=_vin(i),
                    brand="大众",
                    model="朗逸",
                )
                for i, c in zip(range(lo, hi), customers, strict=True)
            ],
        )
        previous: list[Policy | None] = [None] * len(vehicles)
        for k in range(3):
            start_day = today - dt.timedelta(days=365 * (2 - k) + 100)
            previous = _bulk(
                Policy,
                [
                    Policy(
                        policy_no=f"BPC{2023 + k}{v.pk:012d}",
                        kind="commercial",
                        customer_id=v.owner_id,
                        vehicle=v,
                        effective_date=start_day,
                        expiry_date=start_day + dt.timedelta(days=365),
                        premium=Decimal(2000 + rng.randrange(2000)),
                        ncd_level=-k,
                        ncd_coefficient=Decimal("1.0") - Decimal("0.1") * k,
                        channel="four_s_shop" if v.pk % 4 == 0 else "telesales",
                        partner=partners[v.pk % len(partners)] if v.pk % 4 == 0 else None,
                        renews=prev,
                        unit_id=c.unit_id,
                    )
                    for v, prev, c in zip(vehicles, previous, customers, strict=True)
                ],
            )
        _bulk(
            Policy,
            [
                Policy(
                    policy_no=f"BPZ{v.pk:012d}",
                    kind="compulsory",
                    customer_id=v.owner_id,
                    vehicle=v,
                    effective_date=today - dt.timedelta(days=100),
                    expiry_date=today + dt.timedelta(days=265),
                    premium=Decimal("855.00"),
                    channel="telesales",
                    unit_id=c.unit_id,
                )
                for v, c in zip(vehicles, customers, strict=True)
            ],
        )
        _bulk(
            Coverage,
            [
                Coverage(policy=p, code=code, premium=Decimal("800.00"), limit=Decimal("200000"))
                for p in previous
                for code in ("vehicle_damage", "third_party")
            ],
        )
        accident = now - dt.timedelta(days=40)
        _bulk(
            Claim,
            [
                Claim(
                    claim_no=f"BR{p.pk:012d}",
                    policy=p,
                    vehicle_id=p.vehicle_id,
                    coverage="vehicle_damage",
                    accident_at=accident,
                    reported_at=accident + dt.timedelta(hours=2),
                    amount_reserved=Decimal("3000.00"),
                    status="registered" if p.pk % 2 else "closed",
                    unit_id=p.unit_id,
                )
                for p in previous
                if p.pk % 7 == 0
            ],
        )
        _bulk(
            Interaction,
            [
                Interaction(
                    customer=c,
                    contact_type=kind,
                    medium="phone",
                    direction="outbound",
                    occurred_at=now - dt.timedelta(days=10 * j + 1),
                    outcome="reached",
                    summary="续保提醒",
                )
                for c in customers
                for j, kind in enumerate(("phone", "service"))
            ],
        )
        print(f"  built {hi:,}/{total:,} customers", file=sys.stderr, flush=True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


# ------------------------------------------------------------------ measurement


def percentiles(ms: list[float]) -> dict[str, float]:
    q = statistics.quantiles(ms, n=100, method="inclusive")
    return {
        "p50": round(statistics.median(ms), 2),
        "p95": round(q[94], 2),
        "p99": round(q[98], 2),
        "max": round(max(ms), 2),
        "n": len(ms),
    }


def sample_customers(n: int, rng: random.Random, user=None) -> list[Customer]:
    """Random customers of the book — of ``user``'s scope when given (a city manager)."""
    book = Customer.objects.restrict(user) if user is not None else Customer.objects.all()
    ids = book.order_by("pk").values_list("pk", flat=True)
    lo, hi = ids.first(), ids.last()
    if lo is None:
        raise SystemExit("no customer in the manager's unit: build the book with this script")
    picked: dict[int, Customer] = {}
    while len(picked) < n:
        probe = rng.randint(lo, hi)
        c = book.filter(pk__gte=probe).order_by("pk").first()
        if c is not None:
            picked[c.pk] = c
    return list(picked.values())


def queries_for(c: Customer) -> dict[str, dict[str, str]]:
    vehicle = Vehicle.objects.filter(owner=c).exclude(plate="").first()
    policy = Policy.objects.filter(customer=c).order_by("-pk").first()
    out = {
        "phone_last4": {"q": c.phone_last4},
        "phone": {"q": pii.decrypt(c.phone_encrypted)} if c.phone_encrypted else None,
        "customer_no": {"q": c.customer_no, "kind": "customer_no"},
        "name_prefix": {"q": c.name[:2], "kind": "name"},
        "name_contains": {"q": c.name[1:], "kind": "name_contains"},
        "plate": {"q": vehicle.plate} if vehicle else None,
        "policy_no": {"q": policy.policy_no, "kind": "policy_no"} if policy else None,
    }
    return {k: v for k, v in out.items() if v}


def timed(client: Client, url: str, params: dict | None = None) -> float:
    t0 = time.perf_counter()
    # Searches post (#21: no search term in a URL); the 360 page is a GET.
    response = client.post(url, params) if params else client.get(url)
    elapsed = (time.perf_counter() - t0) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{url} {params} answered {response.status_code}")
    return elapsed


def measure_partner(rng: random.Random, n: int) -> dict[str, dict]:
    """The same two pages for a partner user, whose scope is a semi-join through policies."""
    partner_ids = list(
        Policy.objects.filter(partner__isnull=False).values_list("partner", flat=True)[:1]
    )
    if not partner_ids:
        return {}
    partner = Partner.objects.get(pk=partner_ids[0])
    user, _ = User.objects.get_or_create(
        username=f"bench-partner-{partner.code}",
        defaults={"role": Role.PARTNER_USER, "partner": partner},
    )
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    ids = list(Policy.objects.filter(partner=partner).values_list("customer_id", flat=True)[:2000])
    picked = Customer.objects.filter(pk__in=rng.sample(ids, min(n, len(ids))))
    search_ms, c360_ms = [], []
    for c in picked:
        search_ms.append(timed(client, "/customers/", {"q": c.phone_last4}))
        c360_ms.append(timed(client, f"/customers/{c.pk}/"))
    return {
        "partner_search_ms": percentiles(search_ms),
        "partner_customer360_ms": percentiles(c360_ms),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=0, help="build up to N if fewer")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--head-office", action="store_true", help="measure a head-office manager")
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    have = Customer.objects.count()
    if args.customers > have:
        print(f"building a synthetic book: {have:,} → {args.customers:,}", file=sys.stderr)
        t0 = time.perf_counter()
        build_book(args.customers, have)
        print(f"  built in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        have = Customer.objects.count()
    if have == 0:
        raise SystemExit("empty book: load one (carecircle generate) or pass --customers N")
    bench_units()

    # The manager of one city branch (#15): every query carries the unit filter of a tenth of
    # the book; ``--head-office`` measures the unfiltered path instead.
    user, _ = User.objects.get_or_create(username="bench-manager", defaults={"role": "manager"})
    user.role = Role.MANAGER
    user.unit = head_office() if args.head_office else OrgUnit.objects.get(code="33010000")
    user.save()
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    rng = random.Random(args.seed)
    sample = sample_customers(min(args.samples, have), rng, user)
    plan = [(c, queries_for(c)) for c in sample]

    # Warm-up: templates compiled, connection open, caches primed.
    for c, qs in plan[:5]:
        client.get(f"/customers/{c.pk}/")
        for params in qs.values():
            client.post("/customers/", params)

    search_ms: list[float] = []
    by_kind: dict[str, list[float]] = {}
    c360_ms: list[float] = []
    max_queries = {"search": 0, "customer360": 0}
    for c, qs in plan:
        for kind, params in qs.items():
            with CaptureQueriesContext(connection) as ctx:
                ms = timed(client, "/customers/", params)
            max_queries["search"] = max(max_queries["search"], len(ctx.captured_queries))
            search_ms.append(ms)
            by_kind.setdefault(kind, []).append(ms)
        with CaptureQueriesContext(connection) as ctx:
            ms = timed(client, f"/customers/{c.pk}/")
        max_queries["customer360"] = max(max_queries["customer360"], len(ctx.captured_queries))
        c360_ms.append(ms)

    from django.core.cache import cache

    cache.clear()
    home_cold = timed(client, "/")
    home_warm = [timed(client, "/") for _ in range(20)]

    scoped = measure_partner(rng, min(50, args.samples))

    result = {
        "benchmark": "customer360",
        "database": connection.vendor,
        "customers": have,
        "manager_unit": user.unit.code,
        "samples": len(plan),
        "search_ms": percentiles(search_ms),
        "search_by_kind_ms": {k: percentiles(v) for k, v in sorted(by_kind.items())},
        "customer360_ms": percentiles(c360_ms),
        **scoped,
        "home_ms": {
            "cold": round(home_cold, 2),
            "warm_p50": round(statistics.median(home_warm), 2),
        },
        "max_queries": max_queries,
        "machine": f"{platform.machine()} {os.cpu_count()} cpus, Python {platform.python_version()}",
    }
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
