"""Backfill of the reserve ledger for claims loaded in bulk (the generated book, imports), which
carry ``amount_reserved`` and ``amount_paid`` but no movements and often no payment rows
(issue #16). Three set-based statements, each leaving alone what is there already, so a second
run (or a re-import) adds nothing:

1. a historical paid amount without any payment row becomes one settlement payment, confirmed
   (and sent) at the claim's ``paid_at`` (else its report time) — the report's ``paid`` then
   counts it in its period;
2. an open claim's reserve without any movement becomes one ``open`` movement of the case
   reserve on the claim's coverage, at the report time: the reserve as the book states it,
   so ``Σ movements = Σ amount_reserved`` of open claims. (The book's history before it is
   unknown: payments made before the load do not move the ledger; their take-down is inside
   that opening figure.)
3. a closed, withdrawn or rejected claim without movements holds no reserve
   (``amount_reserved`` is set to 0, as the claims report already read it).

Plain ``INSERT … SELECT`` on both databases: a 1M-claim book takes seconds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Exists, OuterRef

from ..choices import PaymentKind, PaymentStatus, ReserveKind, ReserveType
from ..models import OPEN_STATUSES, Claim, ClaimPayment, ReserveMovement

REASON = "导入时的未决 / the reserve as loaded"


@dataclass(frozen=True)
class Backfilled:
    payments: int
    movements: int
    cleared: int


def _insert_select(model: type[models.Model], values: dict[str, str], rest: str, params: list):
    """``INSERT INTO model (…) SELECT …`` naming every column: ``values`` gives the SQL for
    some (by column name); any other column gets NULL if nullable, else its field default
    (a column another change adds later does not break this)."""
    columns, exprs, args = [], [], []
    for f in model._meta.concrete_fields:
        if f.primary_key:
            continue
        columns.append(connection.ops.quote_name(f.column))
        if f.column in values:
            exprs.append(values[f.column])
        elif f.null:
            exprs.append("NULL")
        else:
            exprs.append("%s")
            args.append(f.get_db_prep_save(f.get_default(), connection))
    table = connection.ops.quote_name(model._meta.db_table)
    sql = f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(exprs)} {rest}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [*args, *params])
        return cursor.rowcount


def _statuses(statuses: Any) -> tuple[str, list[str]]:
    values = sorted(str(s) for s in statuses)
    return ", ".join(["%s"] * len(values)), values


def backfill_ledger() -> Backfilled:
    claim = connection.ops.quote_name(Claim._meta.db_table)
    payment = connection.ops.quote_name(ClaimPayment._meta.db_table)
    movement = connection.ops.quote_name(ReserveMovement._meta.db_table)
    open_in, open_values = _statuses(OPEN_STATUSES)
    when = "COALESCE(c.paid_at, c.reported_at)"
    with transaction.atomic():
        payments = _insert_select(
            ClaimPayment,
            {
                "claim_id": "c.id",
                "kind": f"'{PaymentKind.FINAL}'",
                "amount": "c.amount_paid",
                "payee": "CASE WHEN c.repair_shop_id IS NULL THEN 'customer' ELSE 'shop' END",
                "payee_shop_id": "c.repair_shop_id",
                "round": "c.reopen_count",
                "idempotency_key": "'backfill:' || c.id",
                "status": f"'{PaymentStatus.CONFIRMED}'",
                "created_at": when,
                "sent_at": when,
                "confirmed_at": when,
            },
            # Table names from the models' meta, quoted; no user input reaches the SQL.
            f"FROM {claim} c WHERE c.amount_paid > 0 AND NOT EXISTS "  # noqa: S608
            f"(SELECT 1 FROM {payment} p WHERE p.claim_id = c.id)",
            [],
        )
        movements = _insert_select(
            ReserveMovement,
            {
                "claim_id": "c.id",
                "coverage": "c.coverage",
                "reserve_type": f"'{ReserveType.CASE}'",
                "kind": f"'{ReserveKind.OPEN}'",
                "amount": "c.amount_reserved",
                "balance_after": "c.amount_reserved",
                "at": "c.reported_at",
                "reason": f"'{REASON}'",
            },
            f"FROM {claim} c WHERE c.amount_reserved > 0 AND c.status IN ({open_in}) "  # noqa: S608
            f"AND NOT EXISTS (SELECT 1 FROM {movement} m WHERE m.claim_id = c.id)",
            open_values,
        )
        cleared = (
            Claim.objects.exclude(status__in=OPEN_STATUSES)
            .filter(amount_reserved__gt=0)
            .filter(~Exists(ReserveMovement.objects.filter(claim_id=OuterRef("pk"))))
            .update(amount_reserved=0)
        )
    return Backfilled(payments=payments, movements=movements, cleared=cleared)
