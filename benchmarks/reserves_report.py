"""The reserve report (``carecircle claims reserves``) on a book of ``--claims`` claims (target:
1,000,000 claims on PostgreSQL in < 10 s).

PostgreSQL only (``DATABASE_URL``; use a database of your own). The book is built once,
set-based with ``generate_series`` as the other 1M benchmarks do: ``--claims`` claims on a
quarter as many policies, across 24 units and 200 handlers, reported over 2025–2026; each
claim's ledger as the workflow writes it — an opening at the report, a revision on half, and
on the settled ones (60 %) a confirmed payment taking the reserve down and a release, 2 % of
those payments returned by the bank and reissued; 1 % of claims with a subrogation recovered,
1 % with salvage sold. Then ``claims.selectors.reserves.reserve_report`` (the command's and the
report page's figures: the whole book by unit, coverage and handler) is timed ``--runs`` times
for the year to 2026-12-31, and the tie-out checked. Prints one JSON object last.

    createdb -h 127.0.0.1 -U postgres h16_reserves
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h16_reserves uv run --frozen carecircle migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h16_reserves \\
        uv run --frozen python benchmarks/reserves_report.py --claims 1000000
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carecircle.settings")

import django

django.setup()

from django.db import connection  # noqa: E402

from carecircle.claims.models import Claim, ClaimPayment, ReserveMovement  # noqa: E402
from carecircle.claims.selectors.reserves import reserve_report  # noqa: E402
from carecircle.claims.services.backfill import _insert_select  # noqa: E402
from carecircle.core.models import OrgUnit, User  # noqa: E402
from carecircle.core.org import head_office  # noqa: E402
from carecircle.core.roles import Role  # noqa: E402
from carecircle.parties.models import Customer, Vehicle  # noqa: E402
from carecircle.policies.models import Policy  # noqa: E402

TAG = "BRES"
AS_OF = dt.date(2026, 12, 31)
COVERAGES = ["vehicle_damage", "third_party", "compulsory", "driver_seat"]


def book_size() -> int:
    return Claim.objects.filter(claim_no__startswith=TAG).count()


def run(sql: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql)


def insert(model, values: dict[str, str], rest: str) -> None:
    """``_insert_select`` (every other column its default) with this script's literal SQL:
    its ``%`` (modulo, LIKE) escaped, as the statement carries the defaults as parameters."""
    _insert_select(
        model, {k: v.replace("%", "%%") for k, v in values.items()}, rest.replace("%", "%%"), []
    )


def build_book(n: int) -> float:
    started = time.perf_counter()
    root = head_office()
    units = []
    for i in range(24):
        unit, _ = OrgUnit.objects.get_or_create(
            code=f"{TAG}{i:02d}",
            defaults={"name": f"基准机构{i:02d}", "level": "sub", "parent": root},
        )
        units.append(unit.pk)
    handlers = []
    for i in range(200):
        user, _ = User.objects.get_or_create(
            username=f"bres_handler{i:03d}",
            defaults={"role": Role.CLAIMS_HANDLER, "unit_id": units[i % len(units)]},
        )
        handlers.append(user.pk)
    policies = max(n // 4, 1)
    if not book_size():  # a build that stopped half-way: start again
        run(
            "DELETE FROM policies_policy WHERE source = 'bench_reserves';"  # noqa: S608
            f"DELETE FROM parties_vehicle WHERE vehicle_no LIKE 'V{TAG}%';"
            "DELETE FROM parties_customer WHERE source = 'bench_reserves';"
        )
    insert(
        Customer,
        {"created_at": "now()", "updated_at": "now()",
         "customer_no": f"'{TAG}' || lpad(g::text, 9, '0')", "kind": "'person'",
         "name": "'客户' || g", "province": "'浙江'", "city": "'杭州'",
         "source": "'bench_reserves'"},
        f"FROM generate_series(1, {policies}) g"
    )  # fmt: skip
    insert(
        Vehicle,
        {"created_at": "now()", "updated_at": "now()", "vehicle_no": "'V' || c.customer_no",
         "use": "'household'", "seats": "5", "owner_id": "c.id"},
        "FROM parties_customer c WHERE c.source = 'bench_reserves'"
    )  # fmt: skip
    insert(
        Policy,
        {"created_at": "now()", "updated_at": "now()", "policy_no": "'P' || c.customer_no",
         "kind": "'commercial'", "effective_date": "DATE '2025-01-01'",
         "expiry_date": "DATE '2027-01-01'", "premium": "2760", "channel": "'direct'",
         "source": "'bench_reserves'", "customer_id": "c.id", "vehicle_id": "v.id"},
        "FROM parties_customer c JOIN parties_vehicle v ON v.owner_id = c.id "
        "WHERE c.source = 'bench_reserves'"
    )  # fmt: skip
    # Claims: g-th claim on policy (g % policies); reported over 2025-01-01 … 2026-12-20.
    unit_array = "ARRAY[" + ",".join(map(str, units)) + "]"
    handler_array = "ARRAY[" + ",".join(map(str, handlers)) + "]"
    coverage_array = "ARRAY[" + ",".join(f"'{c}'" for c in COVERAGES) + "]"
    reported = "TIMESTAMPTZ '2025-01-01 09:00+08' + (g % 718) * INTERVAL '1 day'"
    insert(
        Claim,
        {
            "created_at": "now()",
            "updated_at": "now()",
            "claim_no": f"'{TAG}' || lpad(g::text, 10, '0')",
            "policy_id": "p.id",
            "vehicle_id": "p.vehicle_id",
            "coverage": f"({coverage_array})[1 + g % 4]",
            "accident_at": f"{reported} - INTERVAL '3 hours'",
            "reported_at": reported,
            "status": "CASE WHEN g % 10 < 6 THEN 'closed' WHEN g % 10 < 7 THEN 'paid' "
            "ELSE 'assessed' END",
            "amount_reserved": "CASE WHEN g % 10 < 7 THEN 0 ELSE 1000 + g % 9000 + 500 END",
            "amount_paid": "CASE WHEN g % 10 < 7 THEN 1000 + g % 9000 + 500 ELSE 0 END",
            "unit_id": f"({unit_array})[1 + g % {len(units)}]",
            "handler_id": f"({handler_array})[1 + (g / 7) % {len(handlers)}]",
        },
        f"FROM generate_series(1, {n}) g JOIN (SELECT id, vehicle_id, row_number() OVER "  # noqa: S608
        f"(ORDER BY id) - 1 AS k FROM policies_policy WHERE source = 'bench_reserves') p "
        f"ON p.k = g % {policies}",
    )
    bench = f"FROM claims_claim c WHERE c.claim_no LIKE '{TAG}%'"
    base = "(1000 + c.id % 9000)"
    movement = {
        "claim_id": "c.id",
        "coverage": "c.coverage",
        "reserve_type": "'case'",
        "reason": "'bench'",
    }
    # open at the report; +500 on half (the rest at +500 too, so balances stay simple)
    insert(
        ReserveMovement,
        {**movement, "kind": "'open'", "amount": base, "balance_after": base,
         "at": "c.reported_at"},
        bench
    )  # fmt: skip
    insert(
        ReserveMovement,
        {**movement, "kind": "'revise'", "amount": "500", "balance_after": f"{base} + 500",
         "at": "c.reported_at + INTERVAL '5 days'"},
        bench
    )  # fmt: skip
    # settled: a payment confirmed at +20 days taking the reserve down to 0
    settled = f"{bench} AND c.status IN ('closed', 'paid')"
    insert(
        ClaimPayment,
        {"claim_id": "c.id", "kind": "'final'", "amount": f"{base} + 500", "payee": "'customer'",
         "round": "0", "idempotency_key": "'bres:' || c.id", "status": "'confirmed'",
         "created_at": "c.reported_at + INTERVAL '19 days'",
         "sent_at": "c.reported_at + INTERVAL '19 days'",
         "confirmed_at": "c.reported_at + INTERVAL '20 days'"},
        settled
    )  # fmt: skip
    run(
        """INSERT INTO claims_reservemovement (claim_id, coverage, reserve_type, kind, amount,
        balance_after, at, reason, payment_id)
        SELECT p.claim_id, c.coverage, 'case', 'payment', -p.amount, 0, p.confirmed_at,
               'bench', p.id
          FROM claims_claimpayment p JOIN claims_claim c ON c.id = p.claim_id
         WHERE p.idempotency_key LIKE 'bres:%'"""
    )
    # 2 % of the payments returned 3 days later and reissued 5 days later
    run(
        """UPDATE claims_claimpayment SET status = 'returned', return_reason = '户名不符',
        returned_at = confirmed_at + INTERVAL '3 days'
        WHERE idempotency_key LIKE 'bres:%' AND claim_id % 50 = 0"""
    )
    insert(
        ClaimPayment,
        {"claim_id": "p.claim_id", "kind": "'final'", "amount": "p.amount",
         "payee": "'customer'", "round": "0", "idempotency_key": "'bres-re:' || p.id",
         "status": "'confirmed'", "created_at": "p.returned_at",
         "confirmed_at": "p.returned_at + INTERVAL '2 days'", "reissue_of_id": "p.id"},
        "FROM claims_claimpayment p WHERE p.idempotency_key LIKE 'bres:%' "
        "AND p.returned_at IS NOT NULL"
    )  # fmt: skip
    run(
        """INSERT INTO claims_reservemovement (claim_id, coverage, reserve_type, kind, amount,
        balance_after, at, reason, payment_id)
        SELECT m.claim_id, m.coverage, 'case', k.kind, k.sign * -m.amount,
               CASE WHEN k.sign = 1 THEN -m.amount ELSE 0 END, p.returned_at + k.later, 'bench',
               CASE WHEN k.sign = 1 THEN p.id ELSE r.id END
          FROM claims_reservemovement m
          JOIN claims_claimpayment p ON p.id = m.payment_id AND p.returned_at IS NOT NULL
          JOIN claims_claimpayment r ON r.reissue_of_id = p.id
          CROSS JOIN (VALUES ('return', 1, INTERVAL '0'), ('payment', -1, INTERVAL '2 days'))
               AS k(kind, sign, later)
         WHERE m.kind = 'payment'"""
    )
    # closed: a release of nothing left (the payment took it) is not written; open claims
    # keep their reserve. Recoveries on 1 % + 1 %.
    run(
        f"""INSERT INTO claims_subrogation (claim_id, against, against_insurer, status,
        amount_sought, sought_on, amount_recovered, recovered_on, amount_written_off, note,
        created_at)
        SELECT c.id, '对方', '', 'recovered', 800, (c.reported_at + INTERVAL '30 days')::date,
               800, (c.reported_at + INTERVAL '60 days')::date, 0, '', now()
          {settled} AND c.id % 100 = 1;
        INSERT INTO claims_subrogationreceipt (subrogation_id, claim_id, amount, received_on,
        recorded_at)
        SELECT s.id, s.claim_id, s.amount_recovered, s.recovered_on, now()
          FROM claims_subrogation s JOIN claims_claim c ON c.id = s.claim_id
         WHERE c.claim_no LIKE '{TAG}%';
        INSERT INTO claims_salvage (claim_id, description, status, valued_amount, valued_on,
        sold_on, proceeds, buyer, created_at)
        SELECT c.id, '残件', 'sold', 300, (c.reported_at + INTERVAL '25 days')::date,
               (c.reported_at + INTERVAL '40 days')::date, 280, '', now()
          {settled} AND c.id % 100 = 2;
        UPDATE claims_claim c SET amount_recovered = 800 WHERE c.claim_no LIKE '{TAG}%'
          AND c.status IN ('closed', 'paid') AND c.id % 100 = 1;
        UPDATE claims_claim c SET amount_recovered = 280 WHERE c.claim_no LIKE '{TAG}%'
          AND c.status IN ('closed', 'paid') AND c.id % 100 = 2;
        ANALYZE;"""  # noqa: S608
    )
    return time.perf_counter() - started


def counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        out = {}
        for name, table in (
            ("claims", "claims_claim"),
            ("movements", "claims_reservemovement"),
            ("payments", "claims_claimpayment"),
        ):
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608
            out[name] = cursor.fetchone()[0]
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--claims", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("PostgreSQL only: set DATABASE_URL to a database of your own")
    built = None
    if book_size() < args.claims:
        built = build_book(args.claims - book_size())
    times = []
    report: dict = {}
    for _ in range(args.runs):
        started = time.perf_counter()
        report = reserve_report(None, AS_OF)
        times.append(time.perf_counter() - started)
    tied = report["opening"] + sum(report["movements"].values()) == report["closing"] and all(
        r["opening"] + sum(r["movements"].values()) == r["closing"]
        for dim in ("by_unit", "by_coverage", "by_handler")
        for r in report[dim]
    )
    print(
        json.dumps(
            {
                "benchmark": "reserves_report",
                "book": counts(),
                "build_seconds": None if built is None else round(built, 1),
                "report_seconds": [round(t, 2) for t in times],
                "median_seconds": round(statistics.median(times), 2),
                "target_seconds": 10,
                "ties_out": tied,
                "closing": str(report["closing"]),
                "paid": str(report["paid"]),
                "groups": {d: len(report[d]) for d in ("by_unit", "by_coverage", "by_handler")},
                "machine": f"{platform.machine()} {os.cpu_count()} cpu, "
                f"PostgreSQL {connection.pg_version}",
            }
        )
    )


if __name__ == "__main__":
    main()
