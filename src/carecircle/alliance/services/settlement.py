"""Settlement: each merchant's monthly statement at the agreed prices — built (idempotent
while open), disputed by the merchant, adjusted, approved, exported for payment."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, Sum

from carecircle.core import audit, clock, dates, locks
from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog
from carecircle.core.money import ZERO, to_money
from carecircle.core.roles import Perm
from carecircle.parties.models import Partner

from ..choices import LineKind, RedemptionStatus, StatementStatus
from ..models import Redemption, Statement, StatementLine
from ..rules import merchant_of
from .common import require

LOCKED = (StatementStatus.APPROVED, StatementStatus.PAID)


def _retotal(statement: Statement) -> None:
    agg = statement.lines.aggregate(total=Sum("amount"))
    statement.total = to_money(agg["total"] or ZERO)
    statement.lines_count = statement.lines.count()
    statement.save(update_fields=["total", "lines_count", "updated_at"])


def build_statement(merchant: Partner, month: dt.date, *, acting_user) -> Statement:
    """(Re)compute a merchant's statement for a month; idempotent while it is open.

    - redemption lines (+ agreed price): redemptions in the month, not reversed, not already on
      another statement;
    - reversal lines (−): redemptions reversed before the month ends whose redemption line sits
      on an approved statement — the adjustment, so nothing is paid twice or clawed back twice;
    - adjustment lines (people's) are kept.
    Approved and exported statements are locked."""
    require(acting_user, Perm.MANAGE_ALLIANCE)
    month = dates.first_of(month)
    _, _, start, end = dates.month_bounds(month)
    with transaction.atomic():
        statement, _ = Statement.objects.select_for_update().get_or_create(
            merchant=merchant, month=month
        )
        statement = locks.lock(Statement, pk=statement.pk)
        if statement.status in LOCKED:
            raise DomainError(
                "statement_locked",
                "对账单已审批，不能重算 / approved statements are locked",
                status=409,
            )
        statement.lines.exclude(kind=LineKind.ADJUSTMENT).delete()
        elsewhere = StatementLine.objects.exclude(statement=statement)
        fresh = (
            Redemption.objects.filter(
                merchant=merchant,
                redeemed_at__gte=start,
                redeemed_at__lt=end,
                status=RedemptionStatus.COMPLETED,
            )
            .exclude(pk__in=elsewhere.filter(kind=LineKind.REDEMPTION).values("redemption_id"))
            .values_list("pk", "agreed_price")
        )
        lines = [
            StatementLine(statement=statement, kind=LineKind.REDEMPTION, redemption_id=pk, amount=p)
            for pk, p in fresh
        ]
        paid_elsewhere = elsewhere.filter(
            kind=LineKind.REDEMPTION, statement__status__in=LOCKED
        ).values("redemption_id")
        clawbacks = (
            Redemption.objects.filter(
                merchant=merchant,
                status=RedemptionStatus.REVERSED,
                reversed_at__lt=end,
                pk__in=paid_elsewhere,
            )
            .exclude(pk__in=elsewhere.filter(kind=LineKind.REVERSAL).values("redemption_id"))
            .values_list("pk", "agreed_price")
        )
        lines += [
            StatementLine(
                statement=statement,
                kind=LineKind.REVERSAL,
                redemption_id=pk,
                amount=-p,
                note="冲正 / reversal",
            )
            for pk, p in clawbacks
        ]
        StatementLine.objects.bulk_create(lines)
        _retotal(statement)
        audit.record(
            acting_user,
            AuditLog.Action.UPDATE,
            statement,
            summary=f"computed: {statement.lines_count} lines, ¥{statement.total}",
        )
    return statement


def build_statements(month: dt.date, *, acting_user) -> list[Statement]:
    """Every merchant with redemptions (or reversals) up to the month's end, open months only."""
    require(acting_user, Perm.MANAGE_ALLIANCE)
    _, _, start, end = dates.month_bounds(dates.first_of(month))
    merchants = Partner.objects.filter(
        Q(alliance_redemptions__redeemed_at__gte=start, alliance_redemptions__redeemed_at__lt=end)
        | Q(
            alliance_redemptions__reversed_at__gte=start,
            alliance_redemptions__reversed_at__lt=end,
        )
    ).distinct()
    out = []
    for merchant in merchants:
        existing = Statement.objects.filter(merchant=merchant, month=dates.first_of(month))
        if existing.filter(status__in=LOCKED).exists():
            continue
        out.append(build_statement(merchant, month, acting_user=acting_user))
    return out


def dispute(statement: Statement, reason: str, *, acting_user) -> Statement:
    """The merchant disputes its statement (a missing or wrong line) before approval."""
    if merchant_of(acting_user) != statement.merchant_id:
        raise PermissionDenied("只能对本商户的对账单提出异议 / only your merchant's statements")
    if not (reason or "").strip():
        raise DomainError("reason_required", "请填写异议原因 / a reason is required", "reason")
    with transaction.atomic():
        if not Statement.objects.filter(pk=statement.pk, status=StatementStatus.DRAFT).update(
            status=StatementStatus.DISPUTED, dispute_reason=reason.strip()[:255]
        ):
            raise DomainError("not_open", "对账单已审批 / statement is not open", status=409)
        audit.record(acting_user, AuditLog.Action.UPDATE, statement, summary=f"dispute: {reason}")
    statement.refresh_from_db()
    return statement


def adjust(statement: Statement, amount: Decimal | str, note: str, *, acting_user) -> Statement:
    """A person's correction (±) on an open statement; resolves a dispute."""
    require(acting_user, Perm.MANAGE_ALLIANCE)
    value = to_money(amount)
    if value == ZERO or not (note or "").strip():
        raise DomainError(
            "adjustment", "调整需金额与说明 / an adjustment needs an amount and a note", "amount"
        )
    with transaction.atomic():
        statement = locks.lock(Statement, pk=statement.pk)
        if statement.status in LOCKED:
            raise DomainError("statement_locked", "对账单已审批 / statement is locked", status=409)
        StatementLine.objects.create(
            statement=statement,
            kind=LineKind.ADJUSTMENT,
            amount=value,
            note=note.strip()[:255],
            created_by=acting_user,
        )
        statement.status = StatementStatus.DRAFT
        statement.save(update_fields=["status", "updated_at"])
        _retotal(statement)
        audit.record(acting_user, AuditLog.Action.UPDATE, statement, summary=f"adjust ¥{value}")
    return statement


def approve(statement: Statement, *, acting_user) -> Statement:
    require(acting_user, Perm.MANAGE_ALLIANCE)
    with transaction.atomic():
        if not Statement.objects.filter(pk=statement.pk, status=StatementStatus.DRAFT).update(
            status=StatementStatus.APPROVED, approved_by=acting_user, approved_at=clock.now()
        ):
            raise DomainError(
                "not_approvable",
                "仅草稿可审批（异议须先调整解决）/ only a draft can be approved (resolve disputes first)",
                status=409,
            )
        audit.record(acting_user, AuditLog.Action.UPDATE, statement, summary="approved")
    statement.refresh_from_db()
    return statement


def mark_paid(statement: Statement, *, acting_user) -> Statement:
    require(acting_user, Perm.MANAGE_ALLIANCE)
    with transaction.atomic():
        if not Statement.objects.filter(pk=statement.pk, status=StatementStatus.APPROVED).update(
            status=StatementStatus.PAID
        ):
            raise DomainError("not_approved", "须先审批 / approve it first", status=409)
        audit.record(acting_user, AuditLog.Action.UPDATE, statement, summary="exported for payment")
    statement.refresh_from_db()
    return statement
