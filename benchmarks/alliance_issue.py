"""Issuing a book's entitlements at once: vouchers for 1,000,000 customers (target < 2 min).

PostgreSQL only (``DATABASE_URL``; use a database of your own). The book is built set-based
with ``generate_series`` (customers, one vehicle and one in-force commercial policy each,
riders on some, a current value run with the tier mix 5/10/20/30/35 %), once; then every
voucher is deleted and ``alliance.bulk.issue_for_book`` is timed, then timed again (the
idempotent rerun inserts nothing).  Prints one JSON object last.

    DATABASE_URL=postgres://root@127.0.0.1:5432/helper_alliance \\
        uv run --frozen python benchmarks/alliance_issue.py --customers 1000000
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carecircle.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

AS_OF = dt.date(2026, 6, 30)
PACKAGES = [
    ("B-GOLD", "gold", "", [("b_wash", 4), ("b_check", 1)]),
    ("B-PLAT", "platinum", "", [("b_service", 1)]),
    ("B-DIAMOND", "diamond", "", [("b_driver", 2), ("b_parking", 2)]),
    ("B-RESCUE", "", "roadside_rescue", [("b_rescue", 1)]),
    ("B-DRIVER", "", "designated_driver", [("b_driver", 1)]),
]
PRODUCTS = {
    "b_wash": "car_wash",
    "b_check": "safety_check",
    "b_service": "maintenance",
    "b_driver": "designated_driver",
    "b_parking": "parking",
    "b_rescue": "roadside_rescue",
}


def book_size() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM parties_customer WHERE source = 'bench_alliance'")
        return cursor.fetchone()[0]


def build_book(n: int) -> float:
    """Customers, vehicles, policies, riders and a current value run, all with SQL."""
    started = time.perf_counter()
    eff = AS_OF - dt.timedelta(days=200)
    sql = f"""
    DELETE FROM alliance_voucher;
    UPDATE value_valuerun SET is_current = false WHERE is_current;
    INSERT INTO parties_customer (created_at, updated_at, phone_encrypted, phone_hash,
        phone_masked, phone_last4, customer_no, kind, name, gender, id_number_encrypted,
        id_number_hash, id_number_masked, uscc, province, city, address, marketing_consent,
        source)
    SELECT now(), now(), '', '', '', '', 'BA' || lpad(g::text, 9, '0'), 'person',
           '客户' || g, '', '', '', '', '', '浙江', '杭州', '', false, 'bench_alliance'
      FROM generate_series(1, {n}) g;
    INSERT INTO parties_vehicle (created_at, updated_at, vehicle_no, plate, vin, brand, model,
        new_energy, use, seats, vehicle_class, owner_id)
    SELECT now(), now(), 'BV' || c.customer_no, '', '', '', '', false, 'household', 5, '', c.id
      FROM parties_customer c WHERE c.source = 'bench_alliance';
    INSERT INTO policies_policy (created_at, updated_at, policy_no, kind, effective_date,
        expiry_date, premium, currency, traffic_violation_coefficient, channel, source,
        customer_id, vehicle_id)
    SELECT now(), now(), 'BP' || c.customer_no, 'commercial', DATE '{eff}',
           DATE '{eff}' + 365, 2760, 'CNY', 1, 'direct', 'bench_alliance', c.id, v.id
      FROM parties_customer c JOIN parties_vehicle v ON v.owner_id = c.id
     WHERE c.source = 'bench_alliance';
    INSERT INTO policies_coverage (code, premium, policy_id)
    SELECT CASE WHEN p.id % 4 = 0 THEN 'roadside_rescue' ELSE 'designated_driver' END, 30, p.id
      FROM policies_policy p
     WHERE p.source = 'bench_alliance' AND (p.id % 4 = 0 OR p.id % 10 = 1);
    INSERT INTO value_valuerun (as_of, started_at, status, is_current, parameters,
        model_versions, counts, error, summary)
    VALUES (DATE '{AS_OF}', now(), 'succeeded', true, '{{}}', '{{}}', '{{}}', '', '{{}}');
    INSERT INTO value_customervalue (tenure_years, vehicles, policies_in_force,
        written_premium_3y, earned_premium_3y, claims_paid_3y, claims_outstanding,
        claims_count_3y, expense_3y, loss_ratio_credible, annual_premium, expected_claims,
        annual_margin, renewal_probability, lifetime_value, value_percentile,
        delivered_claims_paid_3y, services_used_3y, services_value_3y, discounts_3y,
        complaints_3y, value_delivered_3y, rule_tier, tier, previous_tier, reasons,
        needs_review, list_proposal, customer_id, run_id, main_channel, province, vehicle_use,
        year_ago_tier)
    SELECT 3, 1, 1, 0, 0, 0, 0, 0, 0, 0.6, 2760, 0, 0, 0.8, 0, 0.5, 0, 0, 0, 0, 0, 0, t, t, '',
           '', '', '', c.id, r.id, 'direct', '浙江', 'household', ''
      FROM (SELECT c.id, CASE WHEN c.id % 100 < 5 THEN 'diamond'
                              WHEN c.id % 100 < 15 THEN 'platinum'
                              WHEN c.id % 100 < 35 THEN 'gold'
                              WHEN c.id % 100 < 65 THEN 'silver' ELSE 'standard' END AS t
              FROM parties_customer c WHERE c.source = 'bench_alliance') c
      CROSS JOIN (SELECT id FROM value_valuerun WHERE is_current) r;
    ANALYZE;
    """  # noqa: S608 (dates and an int)
    with connection.cursor() as cursor:
        cursor.execute(sql)
    return time.perf_counter() - started


def catalogue() -> None:
    from carecircle.alliance.models import EntitlementItem, EntitlementPackage, ServiceProduct

    EntitlementPackage.objects.exclude(code__startswith="B-").update(active=False)
    for code, kind in PRODUCTS.items():
        ServiceProduct.objects.update_or_create(code=code, defaults={"kind": kind, "name": code})
    for code, tier, rider, items in PACKAGES:
        package, _ = EntitlementPackage.objects.update_or_create(
            code=code, defaults={"name": code, "min_tier": tier, "rider": rider, "active": True}
        )
        for product, quantity in items:
            EntitlementItem.objects.update_or_create(
                package=package,
                product=ServiceProduct.objects.get(code=product),
                defaults={"quantity": quantity},
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("PostgreSQL only: set DATABASE_URL to a database of your own")
    call_command("migrate", interactive=False, verbosity=0)
    from carecircle.alliance import bulk
    from carecircle.alliance.models import Voucher

    build_seconds = None
    if book_size() != args.customers:
        with connection.cursor() as cursor:  # a book of another size: start over
            cursor.execute("DELETE FROM alliance_voucher")
        if book_size():
            sys.exit("a bench book of another size exists; drop the database and rerun")
        build_seconds = round(build_book(args.customers), 1)
    catalogue()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM alliance_redemption")
        cursor.execute("DELETE FROM alliance_voucher")
        cursor.execute("VACUUM ANALYZE alliance_voucher") if connection.get_autocommit() else None
    first = bulk.issue_for_book(today=AS_OF)
    rerun = bulk.issue_for_book(today=AS_OF)
    result = {
        "benchmark": "alliance_issue",
        "customers": args.customers,
        "book_build_seconds": build_seconds,
        "policies": first["policies"],
        "vouchers": first["inserted"],
        "issue_seconds": first["seconds"],
        "vouchers_per_second": round(first["inserted"] / first["seconds"]),
        "rerun_inserted": rerun["inserted"],
        "rerun_seconds": rerun["seconds"],
        "stored": Voucher.objects.count(),
        "target_seconds": 120,
        "met": first["seconds"] < 120,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
