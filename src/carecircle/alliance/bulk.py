"""Issuing a whole book's entitlements at once, set-based (no Python loop of saves).

1. One SQL query joins in-force commercial policies, their vehicle, the customer's current
   tier and the active packages' items, applying the same conditions as
   ``rules.package_applies`` (a test checks both give the same vouchers).
2. Polars expands each row into ``quantity`` vouchers (n = 1…quantity); numpy draws
   the codes from ``secrets`` in one call.
3. ``core.bulk.insert_rows`` with ``ON CONFLICT DO NOTHING`` — idempotent, a rerun inserts
   only what is missing (PostgreSQL: COPY into a staging table, then one
   ``INSERT … SELECT``; SQLite: one ``executemany``).

The customers' tiers come through ``value.public.current_values()``, compiled into the query.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import polars as pl
from django.db import transaction

from carecircle.core import audit, bulk, clock
from carecircle.core.models import AuditLog
from carecircle.value.public import TIER_RANKS, current_values

from . import rules
from .models import Voucher


def _rank(column: str) -> str:
    cases = " ".join(f"WHEN '{tier}' THEN {rank}" for tier, rank in TIER_RANKS.items())
    return f"(CASE {column} {cases} ELSE 0 END)"


def entitled_sql(today: dt.date) -> tuple[str, tuple]:
    """The rows (policy, customer, package, product, quantity, valid_from, expiry) to issue,
    and the query's parameters.

    ``pol`` holds each in-force commercial policy's facts once (a hash join of policies,
    vehicles and the current run's tiers); packages without a rider join it directly, rider
    packages join through the policy's coverage rows — both hash joins, where an OR with an
    EXISTS made the planner loop.  Packages already issued in full for a policy (their last
    n exists) are skipped, so a rerun costs one anti-join, not a reinsert.

    ``today`` is a date formatted here (never user text); the current tiers are
    ``current_values()`` compiled by the ORM, whose parameters come back beside the text."""
    day = today.isoformat()
    tiers, params = current_values().values("customer_id", "tier").query.sql_with_params()
    conditions = f"""
           (k.min_tier = '' OR pol.tier_rank >= {_rank("k.min_tier")})
       AND (k.vehicle_use = '' OR k.vehicle_use = pol.use)
       AND (NOT k.new_energy_only OR pol.new_energy)
       AND (k.channel = '' OR k.channel = pol.channel)
       AND (k.policy_starts_from IS NULL OR pol.effective_date >= k.policy_starts_from)
       AND (k.policy_starts_until IS NULL OR pol.effective_date <= k.policy_starts_until)"""
    sql = f"""
    WITH pol AS (
        SELECT p.id, p.customer_id, p.effective_date, p.expiry_date, p.channel, v.use,
               v.new_energy, {_rank("cv.tier")} AS tier_rank
          FROM policies_policy p
          JOIN parties_vehicle v ON v.id = p.vehicle_id
          LEFT JOIN ({tiers}) cv ON cv.customer_id = p.customer_id
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
    """  # noqa: S608 (fixed text; a date and the ORM's compiled query)
    return sql, tuple(params)


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


def _entitled(today: dt.date) -> pl.DataFrame:
    sql, params = entitled_sql(today)
    return bulk.read_frame(
        [(f"e.{name}", name) for name in SCHEMA],
        f"({sql}) e",
        SCHEMA,
        params,
        # JIT compiles for seconds here and saves nothing on hash joins.
        postgres_settings={"jit": "off"},
    )


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
            issued_at=pl.lit(issued_at),
        )
    )
    return rows.with_columns(code=pl.Series(rules.new_codes(rows.height), dtype=pl.String)).select(
        COLUMNS
    )


def issue_for_book(*, acting_user=None, today: dt.date | None = None) -> dict[str, Any]:
    """Issue every in-force commercial policy's entitlements (idempotent); returns counts:
    ``candidates`` are the rows of packages not yet issued in full, ``inserted`` the new ones."""
    today = today or clock.today()
    started = time.perf_counter()
    entitled = _entitled(today)
    rows = voucher_rows(entitled, clock.now())
    with transaction.atomic():
        inserted = bulk.insert_rows(Voucher, rows, conflict=bulk.OnConflict.do_nothing())
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
