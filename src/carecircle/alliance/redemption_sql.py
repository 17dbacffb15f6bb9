"""The two statements of one redemption (the hot path: 200 a second at a busy till network).

1. ``look_up``: one read that answers every question a redemption asks — the user's unknown
   codes in the guessing window (the brake counts only those: a till scanning a used voucher
   twice is not guessing), the voucher (with its service and customer for the answer), the
   merchant's active offer for that service and the location, if one was named.  Portable
   SQL (SQLite and PostgreSQL).
2. ``write``: on PostgreSQL one statement — the conditional UPDATE (``status = 'issued'``,
   the exactly-once guard), the redemption INSERT and the audit INSERT chained in a
   data-modifying CTE.  A single statement is atomic on its own, so no BEGIN/COMMIT round
   trips; when it changes no row (a concurrent attempt won), nothing is inserted and the
   caller says "used".  SQLite has no data-modifying CTEs: there the same three writes run
   through the ORM in one ``transaction.atomic()``.

Raw SQL because the ORM's query compilation was most of a redemption's CPU (profiled with
``benchmarks/alliance_redeem_profile.py``; docs/alliance.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from carecircle.core.models import AuditLog
from carecircle.core.money import to_money
from carecircle.parties.models import Customer

from .choices import AttemptOutcome, RedemptionStatus, VoucherStatus
from .models import Redemption, ServiceProduct, Voucher

# Table names are written out (plain SQL, no string building); a test checks them against
# the models' db_table.  The probe row makes the read answer (with the refusal count) even
# when no voucher matches; the price is cast to text because SQLite would hand back a float.
TABLES = (
    "alliance_redemptionattempt",
    "alliance_voucher",
    "alliance_serviceproduct",
    "parties_customer",
    "alliance_merchantoffer",
    "alliance_merchantlocation",
    "alliance_redemption",
    "core_auditlog",
)
# The brake's two counts in the window, written out in both reads: unknown codes (what it
# counts) and its own refusals (so its audit row is written once per burst).
BRAKE_ONLY = """
SELECT (SELECT COUNT(*) FROM alliance_redemptionattempt a
         WHERE a.user_id = %s AND a.at >= %s AND a.outcome = %s),
       (SELECT COUNT(*) FROM alliance_redemptionattempt b
         WHERE b.user_id = %s AND b.at >= %s AND b.outcome = %s)
"""
LOOK_UP = """
SELECT (SELECT COUNT(*) FROM alliance_redemptionattempt a
         WHERE a.user_id = %s AND a.at >= %s AND a.outcome = %s),
       (SELECT COUNT(*) FROM alliance_redemptionattempt b
         WHERE b.user_id = %s AND b.at >= %s AND b.outcome = %s),
       v.id, v.status, v.valid_from, v.valid_until, v.product_id, v.customer_id,
       p.name, c.name, o.id, CAST(o.price_to_insurer AS TEXT), l.id
  FROM (SELECT 1 AS probe) probe
  LEFT JOIN alliance_voucher v ON v.code = %s
  LEFT JOIN alliance_serviceproduct p ON p.id = v.product_id
  LEFT JOIN parties_customer c ON c.id = v.customer_id
  LEFT JOIN alliance_merchantoffer o
         ON o.merchant_id = %s AND o.product_id = v.product_id AND o.active = %s
  LEFT JOIN alliance_merchantlocation l ON l.id = %s AND l.merchant_id = %s
"""
WRITE_POSTGRESQL = """
WITH moved AS (
  UPDATE alliance_voucher SET status = %s, merchant_id = %s, redeemed_at = %s
   WHERE id = %s AND status = %s
  RETURNING id
), made AS (
  INSERT INTO alliance_redemption (voucher_id, merchant_id, location_id, offer_id, agreed_price,
         redeemed_at, redeemed_by_id, status, reversed_at, reversed_by_id, reversal_reason)
  SELECT id, %s, %s, %s, %s, %s, %s, %s, NULL, NULL, '' FROM moved
  RETURNING id
), logged AS (
  INSERT INTO core_auditlog (at, actor_id, action, object_type, object_id, summary, changes)
  SELECT %s, %s, %s, 'alliance.redemption', CAST(id AS TEXT), %s, '{}'::jsonb FROM made
)
SELECT id FROM made
"""


@dataclass(frozen=True)
class Found:
    """What ``look_up`` learnt; ``voucher_id`` is None for an unknown code."""

    failures: int
    braked: int = 0
    voucher_id: int | None = None
    status: str = ""
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    product_id: int | None = None
    customer_id: int | None = None
    product_name: str = ""
    customer_name: str = ""
    offer_id: int | None = None
    price: Decimal | None = None
    location_id: int | None = None


def _date(value) -> dt.date | None:
    # SQLite's declared-type converter usually parses dates; a joined column may stay text.
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def _since(now: dt.datetime, window_minutes: int):
    # as the ORM would send it (SQLite compares UTC text; a raw aware datetime would not match)
    return connection.ops.adapt_datetimefield_value(now - dt.timedelta(minutes=window_minutes))


def _brake_params(user_id: int, now: dt.datetime, window_minutes: int) -> list:
    since = _since(now, window_minutes)
    return [user_id, since, AttemptOutcome.UNKNOWN, user_id, since, AttemptOutcome.RATE_LIMITED]


def refusals_only(user_id: int, now: dt.datetime, window_minutes: int) -> tuple[int, int]:
    """The brake's counts alone (a mistyped code needs no voucher lookup): unknown codes and
    the brake's own refusals in the window."""
    with connection.cursor() as cursor:
        cursor.execute(BRAKE_ONLY, _brake_params(user_id, now, window_minutes))
        unknown, braked = cursor.fetchone()
        return int(unknown), int(braked)


def look_up(
    code: str,
    *,
    user_id: int,
    merchant_id: int,
    location_id: int | None,
    now: dt.datetime,
    window_minutes: int,
) -> Found:
    params = [
        *_brake_params(user_id, now, window_minutes),
        code,
        merchant_id,
        True,
        location_id,
        merchant_id,
    ]
    with connection.cursor() as cursor:
        cursor.execute(LOOK_UP, params)
        row = cursor.fetchone()
    failures, braked, vid, status, vfrom, vuntil, pid, cid, pname, cname, oid, price, lid = row
    if vid is None:
        return Found(failures=int(failures), braked=int(braked))
    return Found(
        failures=int(failures),
        braked=int(braked),
        voucher_id=vid,
        status=status,
        valid_from=_date(vfrom),
        valid_until=_date(vuntil),
        product_id=pid,
        customer_id=cid,
        product_name=pname,
        customer_name=cname,
        offer_id=oid,
        price=to_money(price) if price is not None else None,
        location_id=lid,
    )


def write(
    found: Found,
    *,
    user,
    merchant_id: int,
    location_id: int | None,
    now: dt.datetime,
    summary: str,
) -> int | None:
    """Move the voucher and record the redemption and its audit row; the redemption's id, or
    None when the voucher was no longer ``issued`` (another attempt won)."""
    assert found.voucher_id is not None and found.offer_id is not None
    assert found.price is not None
    if connection.vendor == "postgresql":
        params = [
            VoucherStatus.REDEEMED,
            merchant_id,
            now,
            found.voucher_id,
            VoucherStatus.ISSUED,
            merchant_id,
            location_id,
            found.offer_id,
            found.price,
            now,
            user.pk,
            RedemptionStatus.COMPLETED,
            timezone.now(),  # AuditLog.at is auto_now_add: the real time, as audit.record
            user.pk,
            AuditLog.Action.CREATE,
            summary[:255],
        ]
        with connection.cursor() as cursor:
            cursor.execute(WRITE_POSTGRESQL, params)
            row = cursor.fetchone()
        return row[0] if row else None
    with transaction.atomic():
        moved = Voucher.objects.filter(pk=found.voucher_id, status=VoucherStatus.ISSUED).update(
            status=VoucherStatus.REDEEMED, merchant_id=merchant_id, redeemed_at=now
        )
        if moved != 1:
            return None
        redemption = Redemption.objects.create(
            voucher_id=found.voucher_id,
            merchant_id=merchant_id,
            location_id=location_id,
            offer_id=found.offer_id,
            agreed_price=found.price,
            redeemed_at=now,
            redeemed_by=user,
        )
        AuditLog.objects.create(
            actor=user,
            action=AuditLog.Action.CREATE,
            object_type="alliance.redemption",
            object_id=str(redemption.pk),
            summary=summary[:255],
        )
    return redemption.pk


def redemption_of(
    found: Found,
    redemption_id: int,
    *,
    user,
    code: str,
    merchant_id: int,
    location_id: int | None,
    now: dt.datetime,
) -> Redemption:
    """The stored redemption as objects, built from what is known (no query): the voucher as
    it now is, its service's and customer's names for the answer (other fields deferred)."""
    assert found.offer_id is not None and found.price is not None
    product = _loaded(ServiceProduct, id=found.product_id, name=found.product_name)
    customer = _loaded(Customer, id=found.customer_id, name=found.customer_name)
    voucher = _loaded(
        Voucher,
        id=found.voucher_id,
        code=code,
        customer_id=found.customer_id,
        product_id=found.product_id,
        status=VoucherStatus.REDEEMED,
        valid_from=found.valid_from,
        valid_until=found.valid_until,
        merchant_id=merchant_id,
        redeemed_at=now,
    )
    voucher.product, voucher.customer = product, customer
    redemption = Redemption(
        id=redemption_id,
        voucher=voucher,
        merchant_id=merchant_id,
        location_id=location_id,
        offer_id=found.offer_id,
        agreed_price=found.price,
        redeemed_at=now,
        redeemed_by=user,
        status=RedemptionStatus.COMPLETED,
        reversed_at=None,
        reversal_reason="",
    )
    redemption._state.adding, redemption._state.db = False, connection.alias
    return redemption


def _loaded(model, **values):
    """An instance as if read from the database with only these fields (the rest deferred:
    reading one loads it).  ``from_db`` takes the values in the model's field order."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(connection.alias, names, [values[n] for n in names])
