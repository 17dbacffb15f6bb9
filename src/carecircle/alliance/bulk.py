"""Issuing a whole book's entitlements at once, set-based (no Python loop of saves).

1. One SQL query joins in-force commercial policies, their vehicle, the customer's current
   tier and the active packages' items, applying the same conditions as
   ``rules.package_applies`` (a test checks both give the same vouchers).
2. Polars expands each row into ``quantity`` vouchers (n = 1…quantity); numpy draws
   the codes from ``secrets`` in one call.
3. PostgreSQL: COPY into a temporary table, then ``INSERT … SELECT … ON CONFLICT DO
   NOTHING`` — idempotent, a rerun inserts only what is missing.  SQLite: batched
   ``bulk_create(ignore_conflicts=True)``.
"""

from __future__ import annotations

import datetime as dt
import io
import time
from typing import Any

import polars as pl
from django.db import connection, transaction

from carecircle.core import audit, clock
from carecircle.core.models import AuditLog
from carecircle.value.models import ValueRun
from carecircle.value.models.tiers import TIER_RANKS

from . import rules


def _rank(column: str) -> str:
    cases = " ".join(f"WHEN '{tier}' THEN {rank}" for tier, rank in TIER_RANKS.items())
    return f"(CASE {column} {cases} ELSE 0 END)"


def entitled_sql(today: dt.date, run_id: int) -> str:
    """The rows (policy, customer, package, product, quantity, valid_from, expiry) to issue.

    ``pol`` holds each in-force commercial policy's facts once (a hash join of policies,
    vehicles and the current run's tiers); packages without a rider join it directly, rider
    packages join through the policy's coverage rows — both hash joins, where an OR with an
    EXISTS made the planner loop.  Packages already issued in full for a policy (their last
    n exists) are skipped, so a rerun costs one anti-join, not a reinsert.

    ``today`` and ``run_id`` are a date and an int formatted here (never user text), so the
    same statement serves COPY (which takes no parameters) and SQLite."""
    day = today.isoformat()
    assert isinstance(run_id, int)
    conditions = f"""
           (k.min_tier = '' OR pol.tier_rank >= {_rank("k.min_tier")})
       AND (k.vehicle_use = '' OR k.vehicle_use = pol.use)
       AND (NOT k.new_energy_only OR pol.new_energy)
       AND (k.channel = '' OR k.channel = pol.channel)
       AND (k.policy_starts_from IS NULL OR pol.effective_date >= k.policy_starts_from)
       AND (k.policy_starts_until IS NULL OR pol.effective_date <= k.policy_starts_until)"""
    return f"""
    WITH pol AS (
        SELECT p.id, p.customer_id, p.effective_date, p.expiry_date, p.channel, v.use,
               v.new_energy, {_rank("cv.tier")} AS tier_rank
          FROM policies_policy p
          JOIN parties_vehicle v ON v.id = p.vehicle_id
          LEFT JOIN (SELECT customer_id, tier FROM value_customervalue WHERE run_id = {run_id}) cv
                 ON cv.customer_id = p.customer_id
         WHERE p.kind = 'commercial' AND p.cancelled_on IS NULL
           AND p.effective_date <= '{day}' AND p.expiry_date > '{day}'
    ), matched AS (
        SELECT pol.id AS policy_id, pol.customer_id, k.id AS package_id, pol.effective_date,
               pol.expiry_date
          FROM pol JOIN alliance_entitlementpackage k ON k.active AND k.rider = ''
         WHERE {conditions}
        UNION ALL
        SELECT pol.id, pol.customer_id, k.id, pol.effective_date, pol.expiry_date
          FROM policies_coverage c
          JOIN alliance_entitlementpackage k ON k.active AND k.rider <> '' AND k.rider = c.code
          JOIN pol ON pol.id = c.policy_id
         WHERE {conditions}
    )
    SELECT m.policy_id AS policy_id, m.customer_id AS customer_id, m.package_id AS package_id,
           i.product_id AS product_id, i.quantity AS quantity,
           CASE WHEN m.effective_date > '{day}' THEN m.effective_date ELSE '{day}' END
               AS valid_from,
           m.expiry_date AS expiry_date
      FROM matched m
      JOIN alliance_entitlementitem i ON i.package_id = m.package_id
      JOIN alliance_serviceproduct s ON s.id = i.product_id AND s.active
     WHERE NOT EXISTS (SELECT 1 FROM alliance_voucher x
                        WHERE x.policy_id = m.policy_id AND x.package_id = m.package_id
                          AND x.product_id = i.product_id AND x.entitlement_seq = i.quantity)
    """  # noqa: S608 (fixed text; a date and an int)


SCHEMA = {
    "policy_id": pl.Int64,
    "customer_id": pl.Int64,
    "package_id": pl.Int64,
    "product_id": pl.Int64,
    "quantity": pl.Int64,
    "valid_from": pl.Date,
    "expiry_date": pl.Date,
}
COLUMNS = [
    "code",
    "customer_id",
    "policy_id",
    "product_id",
    "package_id",
    "source",
    "entitlement_seq",
    "reason",
    "issued_at",
    "valid_from",
    "valid_until",
    "status",
]


def _entitled(today: dt.date, run_id: int) -> pl.DataFrame:
    sql = entitled_sql(today, run_id)
    if connection.vendor == "postgresql":
        buffer = io.BytesIO()
        with transaction.atomic(), connection.cursor() as cursor:
            # JIT compiles for seconds here and saves nothing on hash joins.
            cursor.execute("SET LOCAL jit = off")
            with cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)") as copy:
                for chunk in copy:
                    buffer.write(chunk)
        if buffer.tell() == 0:
            return pl.DataFrame(schema=SCHEMA)
        buffer.seek(0)
        return pl.read_csv(buffer, has_header=False, new_columns=list(SCHEMA), schema=SCHEMA)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        rows = cursor.fetchall()
    frame = pl.DataFrame(rows, schema=list(SCHEMA), orient="row")
    return frame.with_columns(
        pl.col("valid_from").cast(pl.String).str.slice(0, 10).str.to_date(),
        pl.col("expiry_date").cast(pl.String).str.slice(0, 10).str.to_date(),
    ).cast(SCHEMA)  # type: ignore[arg-type]


def voucher_rows(entitled: pl.DataFrame, issued_at: dt.datetime) -> pl.DataFrame:
    """One row per voucher: quantity expanded (the n-th use), a fresh code; in policy order,
    so index and foreign-key pages are visited in order."""
    rows = (
        entitled.sort("policy_id", "package_id", "product_id")
        .with_columns(n=pl.int_ranges(1, pl.col("quantity") + 1))
        .explode("n")
        .with_columns(
            entitlement_seq=pl.col("n"),
            valid_until=pl.col("expiry_date") - pl.duration(days=1),
            source=pl.lit("entitlement"),
            reason=pl.lit(""),
            status=pl.lit("issued"),
            issued_at=pl.lit(issued_at.isoformat()),
        )
    )
    return rows.with_columns(code=pl.Series(rules.new_codes(rows.height), dtype=pl.String)).select(
        COLUMNS
    )


def _insert_postgres(rows: pl.DataFrame) -> int:
    buffer = io.BytesIO()
    rows.write_csv(buffer, include_header=False)
    buffer.seek(0)
    cols = ", ".join(COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE alliance_voucher_load ON COMMIT DROP AS "  # noqa: S608
            f"SELECT {cols} FROM alliance_voucher WITH NO DATA"
        )
        with cursor.copy(f"COPY alliance_voucher_load ({cols}) FROM STDIN WITH (FORMAT csv)") as cp:
            while chunk := buffer.read(1 << 20):
                cp.write(chunk)
        cursor.execute(
            f"INSERT INTO alliance_voucher ({cols}) SELECT {cols} FROM alliance_voucher_load "  # noqa: S608
            "ON CONFLICT DO NOTHING"
        )
        inserted = cursor.rowcount
        cursor.execute("DROP TABLE alliance_voucher_load")
        return inserted


def _insert_sqlite(rows: pl.DataFrame, issued_at: dt.datetime) -> int:
    """One ``executemany`` of ``INSERT OR IGNORE`` (idempotent like ON CONFLICT DO NOTHING)."""
    stamp = connection.ops.adapt_datetimefield_value(issued_at)
    values = rows.with_columns(
        pl.col("valid_from").cast(pl.String),
        pl.col("valid_until").cast(pl.String),
        issued_at=pl.lit(stamp),
    ).rows()
    cols = ", ".join(COLUMNS)
    marks = ", ".join(["%s"] * len(COLUMNS))
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM alliance_voucher")
        before = cursor.fetchone()[0]
        cursor.executemany(
            f"INSERT OR IGNORE INTO alliance_voucher ({cols}) VALUES ({marks})",  # noqa: S608
            values,
        )
        cursor.execute("SELECT count(*) FROM alliance_voucher")
        return cursor.fetchone()[0] - before


def issue_for_book(*, acting_user=None, today: dt.date | None = None) -> dict[str, Any]:
    """Issue every in-force commercial policy's entitlements (idempotent); returns counts:
    ``candidates`` are the rows of packages not yet issued in full, ``inserted`` the new ones."""
    today = today or clock.today()
    started = time.perf_counter()
    run = ValueRun.objects.filter(is_current=True).values_list("pk", flat=True).first() or 0
    entitled = _entitled(today, int(run))
    now = clock.now()
    rows = voucher_rows(entitled, now)
    with transaction.atomic():
        inserted = (
            _insert_postgres(rows)
            if connection.vendor == "postgresql"
            else _insert_sqlite(rows, now)
        )
        audit.record(
            acting_user,
            AuditLog.Action.CREATE,
            object_type="alliance.voucher",
            summary=f"entitlement issue {today}: {inserted} new of {rows.height} candidates",
        )
    return {
        "today": today.isoformat(),
        "policies": entitled["policy_id"].n_unique() if entitled.height else 0,
        "candidates": rows.height,
        "inserted": inserted,
        "seconds": round(time.perf_counter() - started, 2),
    }
