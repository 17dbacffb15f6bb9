"""The reserve ledger's one writer: every change of a case or expense reserve is a
``ReserveMovement`` with its reason and user, and ``Claim.amount_reserved`` is kept equal to
the sum of the claim's case-reserve balances (other reports read it).

Payments move the case reserve when the bank confirms them (``on_payment_confirmed``) and back
when a confirmed payment is returned (``on_payment_returned``): each at most once per payment
(a unique constraint), so a return file imported twice changes nothing. Call inside the
transaction that holds the claim's row lock."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Sum

from carecircle.core import audit, clock
from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog
from carecircle.core.money import ZERO, parse_money, to_money
from carecircle.core.roles import Perm, has_perm
from carecircle.policies.choices import CoverageCode

from .. import conf, rule_settings
from ..choices import ReserveChangeStatus, ReserveKind, ReserveType
from ..models import OPEN_STATUSES, Claim, ClaimPayment, ReserveChange, ReserveMovement
from .locks import lock_claim
from .permissions import ensure_changeable, ensure_visible

# MoneyField is numeric(14,2): anything above this overflows on PostgreSQL (a 500, not a refusal).
MAX_AMOUNT = Decimal("999999999999.99")


def ensure_storable(field: str, amount: Decimal) -> Decimal:
    """Refuse an amount a money column cannot hold (above ``MAX_AMOUNT``), naming ``field``."""
    if amount > MAX_AMOUNT:
        raise DomainError(
            "too_large",
            f"金额不能超过 {MAX_AMOUNT:,} / {field} cannot be above {MAX_AMOUNT:,}",
            field,
        )
    return amount


def balance(claim: Claim, coverage: str, reserve_type: str = ReserveType.CASE) -> Decimal:
    """One reserve's current balance: the Σ of its movements (ADR 0015). Never the row with
    the latest ``at``: a movement may carry an earlier date than one already written (the
    bank confirms at 17:00 a payment whose file we read the next morning)."""
    held = ReserveMovement.objects.filter(
        claim=claim, coverage=coverage, reserve_type=reserve_type
    ).aggregate(s=Sum("amount"))["s"]
    return to_money(held) if held is not None else ZERO


def balances(claim: Claim, reserve_type: str = ReserveType.CASE) -> dict[str, Decimal]:
    """Each coverage's current balance of one reserve type: Σ of its movements (one grouped
    query), whatever order their dates are in."""
    rows = (
        ReserveMovement.objects.filter(claim=claim, reserve_type=reserve_type)
        .values_list("coverage")
        .annotate(s=Sum("amount"))
        .order_by()
    )
    return dict(sorted((coverage, to_money(held)) for coverage, held in rows))


def open_new(
    claim: Claim, amount: Decimal, *, by: Any = None, reason: str, at: dt.datetime
) -> ReserveMovement:
    """The first movement of a claim just created with ``amount_reserved = amount`` (the
    report): one INSERT, nothing to read or sync."""
    return ReserveMovement.objects.create(
        claim=claim, coverage=claim.coverage, reserve_type=ReserveType.CASE,
        kind=ReserveKind.OPEN, amount=to_money(amount), balance_after=to_money(amount), at=at,
        reason=reason, by=by if getattr(by, "is_authenticated", False) else None,
    )  # fmt: skip


def move(
    claim: Claim,
    *,
    coverage: str,
    kind: str,
    amount: Decimal,
    reserve_type: str = ReserveType.CASE,
    by: Any = None,
    reason: str = "",
    at: dt.datetime | None = None,
    payment: ClaimPayment | None = None,
    approved_by: Any = None,
) -> ReserveMovement | None:
    """Move one reserve by a signed ``amount`` (a take-down never goes below zero: the part of
    a payment above the reserve is paid, not reserved). Nothing moves for a zero amount.

    ``at`` is the event's own time and may be earlier than movements already written (a bank
    confirmation dated 17:00 yesterday): the movement keeps it, so the report counts it in
    the event's period, and ``balance_after`` is the balance after it in the order written
    (Σ of every earlier row by id + this one), not in the order of ``at``."""
    before = balance(claim, coverage, reserve_type)
    amount = to_money(max(Decimal(amount), -before))
    if amount == 0:
        return None
    movement = ReserveMovement.objects.create(
        claim=claim,
        coverage=coverage,
        reserve_type=reserve_type,
        kind=kind,
        amount=amount,
        balance_after=to_money(before + amount),
        at=at or clock.now(),
        reason=reason,
        by=by if getattr(by, "is_authenticated", False) else None,
        approved_by=approved_by,
        payment=payment,
    )
    if reserve_type == ReserveType.CASE:
        sync_claim(claim)
    return movement


def sync_claim(claim: Claim) -> None:
    """``Claim.amount_reserved`` = Σ current case balances (one UPDATE; the caller's instance
    is refreshed too)."""
    total = sum(balances(claim).values(), ZERO)
    Claim.objects.filter(pk=claim.pk).update(amount_reserved=total)
    claim.amount_reserved = total


def _take_down_order(claim: Claim) -> list[str]:
    held = balances(claim)
    return sorted(held, key=lambda c: (c != claim.coverage, -held[c], c))


def on_payment_confirmed(payment: ClaimPayment, *, acting_user: Any = None) -> list[Any]:
    """The bank confirmed ``payment``: take it off the case reserve (the claim's own coverage
    first), once."""
    if ReserveMovement.objects.filter(payment=payment, kind=ReserveKind.PAYMENT).exists():
        return []
    claim, left, out = payment.claim, payment.amount, []
    for coverage in _take_down_order(claim):
        if left <= 0:
            break
        taken = min(left, balance(claim, coverage))
        m = move(
            claim,
            coverage=coverage,
            kind=ReserveKind.PAYMENT,
            amount=-taken,
            by=acting_user,
            reason=f"payment {payment.pk}",
            at=payment.confirmed_at,
            payment=payment,
        )
        out.append(m)
        left -= taken
    return out


def on_payment_returned(payment: ClaimPayment, *, acting_user: Any = None) -> list[Any]:
    """A payment the bank had confirmed came back: what it took off the reserve is restored,
    once. (A payment returned before confirmation never moved the reserve.)"""
    if ReserveMovement.objects.filter(payment=payment, kind=ReserveKind.RETURN).exists():
        return []
    taken = ReserveMovement.objects.filter(payment=payment, kind=ReserveKind.PAYMENT).values_list(
        "coverage", "amount"
    )
    out = []
    for coverage, amount in taken:
        out.append(
            move(
                payment.claim,
                coverage=coverage,
                kind=ReserveKind.RETURN,
                amount=-amount,
                by=acting_user,
                reason=f"payment {payment.pk} returned: {payment.return_reason}",
                at=payment.returned_at,
                payment=payment,
            )
        )
    return out


def paid_total(claim: Claim) -> Decimal:
    """Confirmed and not returned: what the claim has really paid."""
    return (
        ClaimPayment.objects.filter(
            claim=claim, confirmed_at__isnull=False, returned_at__isnull=True
        ).aggregate(s=Sum("amount"))["s"]
        or ZERO
    )


# ---- the workflow's movements (called by effects, reporting and adjustment) ------------------


def has_movements(claim: Claim, coverage: str, reserve_type: str = ReserveType.CASE) -> bool:
    return ReserveMovement.objects.filter(
        claim=claim, coverage=coverage, reserve_type=reserve_type
    ).exists()


def set_balance(
    claim: Claim,
    target: Decimal,
    *,
    coverage: str | None = None,
    reserve_type: str = ReserveType.CASE,
    kind: str | None = None,
    by: Any = None,
    reason: str = "",
    at: dt.datetime | None = None,
    approved_by: Any = None,
) -> ReserveMovement | None:
    """Move one reserve (the claim's own coverage by default) to ``target``: an ``open`` when
    that reserve never moved, else ``kind`` (a revision by default)."""
    coverage = coverage or claim.coverage
    target = to_money(max(Decimal(target), ZERO))
    if kind is None:
        kind = (
            ReserveKind.REVISE if has_movements(claim, coverage, reserve_type) else ReserveKind.OPEN
        )
    return move(
        claim,
        coverage=coverage,
        kind=kind,
        amount=target - balance(claim, coverage, reserve_type),
        reserve_type=reserve_type,
        by=by,
        reason=reason,
        at=at,
        approved_by=approved_by,
    )


def set_outstanding(
    claim: Claim, loss: Decimal, *, by: Any = None, reason: str, at: dt.datetime | None = None
) -> ReserveMovement | None:
    """The case reserve after an assessment or adjustment: the loss not yet paid (confirmed,
    not returned), on the claim's coverage, less what other coverages of it still hold."""
    others = sum((v for c, v in balances(claim).items() if c != claim.coverage), ZERO)
    target = max(to_money(loss) - paid_total(claim) - others, ZERO)
    return set_balance(claim, target, by=by, reason=reason, at=at)


def release_all(
    claim: Claim, *, by: Any = None, reason: str, at: dt.datetime | None = None
) -> list[ReserveMovement]:
    """At close, withdrawal or rejection: every case and expense reserve to zero (``release``)
    and any revision still waiting for an approver declined (nothing is left to revise)."""
    out = []
    for reserve_type in ReserveType.values:
        for coverage, held in balances(claim, reserve_type).items():
            if held > 0:
                m = move(
                    claim, coverage=coverage, kind=ReserveKind.RELEASE, amount=-held,
                    reserve_type=reserve_type, by=by, reason=reason, at=at,
                )  # fmt: skip
                if m is not None:
                    out.append(m)
    ReserveChange.objects.filter(claim=claim, status=ReserveChangeStatus.PENDING).update(
        status=ReserveChangeStatus.DECLINED,
        decided_at=at or clock.now(),
        decision_note="赔案已终结 / the claim was closed",
    )
    return out


def reopen_reserves(
    claim: Claim,
    *,
    amount: Decimal | None = None,
    by: Any = None,
    reason: str,
    at: dt.datetime | None = None,
) -> list[ReserveMovement]:
    """On reopening: ``amount`` on the claim's coverage when the handler names one, else what
    the last close released, reserve by reserve (``reopen`` movements)."""
    if amount is not None:
        m = set_balance(claim, amount, kind=ReserveKind.REOPEN, by=by, reason=reason, at=at)
        return [m] if m is not None else []
    last = (
        ReserveMovement.objects.filter(claim=claim, kind=ReserveKind.RELEASE)
        .order_by("-id")
        .values_list("at", flat=True)
        .first()
    )
    if last is None:
        return []
    out = []
    released = ReserveMovement.objects.filter(
        claim=claim, kind=ReserveKind.RELEASE, at=last
    ).values_list("coverage", "reserve_type", "amount")
    for coverage, reserve_type, amount_ in released:
        m = move(
            claim, coverage=coverage, kind=ReserveKind.REOPEN, amount=-amount_,
            reserve_type=reserve_type, by=by, reason=reason, at=at,
        )  # fmt: skip
        if m is not None:
            out.append(m)
    return out


# ---- the handler's manual revisions, within authority -----------------------------------------


def revision_limit(user: Any) -> Decimal | None:
    """How large a change (either way) ``user`` may make alone: an approver's or manager's
    approval authority (the ladder), a handler's ``RESERVE_REVISION_LIMIT``; None = no limit."""
    if getattr(user, "is_superuser", False):
        return None
    for a in rule_settings.authority_ladder():
        if a.role == getattr(user, "role", None):
            return a.limit
    return to_money(conf.get("RESERVE_REVISION_LIMIT"))


def within(user: Any, change: Decimal) -> bool:
    limit = revision_limit(user)
    return limit is None or abs(change) <= limit


def revise(
    claim: Claim,
    *,
    new_balance: Any,
    reason: str,
    acting_user: Any,
    coverage: str | None = None,
    reserve_type: str = ReserveType.CASE,
) -> ReserveChange:
    """A handler revises a case or expense (ALAE) reserve to ``new_balance`` with a reason.
    Within their limit it moves at once; above it the change waits for a claims approver whose
    authority covers it (``decide``)."""
    ensure_visible(acting_user, claim)
    if not has_perm(acting_user, Perm.HANDLE_CLAIMS):
        raise PermissionDenied("理赔人员使用 / for claims staff")
    ensure_changeable(acting_user, claim)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("reason", "调整准备金须写明原因 / a revision needs a reason", "reason")
    if reserve_type not in ReserveType.values:
        raise DomainError("reserve_type", "准备金类型不合法 / unknown reserve", "reserve_type")
    coverage = coverage or claim.coverage
    if coverage not in CoverageCode.values:
        raise DomainError("coverage", "险别不合法 / unknown coverage", "coverage")
    target = ensure_storable("new_balance", parse_money("new_balance", new_balance))
    if target < 0:
        raise DomainError(
            "new_balance", "准备金不能为负 / a reserve is never negative", "new_balance"
        )
    now = clock.now()
    with transaction.atomic():
        claim = lock_claim(claim)
        if claim.status not in OPEN_STATUSES:
            raise DomainError(
                "claim_closed",
                "赔案已终结，请先重开 / the claim is closed; reopen it first",
                "new_balance",
                status=409,
            )
        before = balance(claim, coverage, reserve_type)
        if target == before:
            raise DomainError("no_change", "金额未变 / the reserve is that already", "new_balance")
        change = ReserveChange.objects.create(
            claim=claim, coverage=coverage, reserve_type=reserve_type, balance_before=before,
            new_balance=target, reason=reason[:2000], requested_by=acting_user,
            requested_at=now,
        )  # fmt: skip
        if within(acting_user, target - before):
            _apply(change, acting_user, approved_by=None, at=now)
        audit.record(
            acting_user, AuditLog.Action.UPDATE, claim,
            summary=f"{claim.claim_no} reserve {reserve_type} {coverage} {before} → {target} "
            f"({change.status})",
        )  # fmt: skip
    return change


def _apply(change: ReserveChange, by: Any, *, approved_by: Any, at: dt.datetime) -> None:
    movement = set_balance(
        change.claim, change.new_balance, coverage=change.coverage,
        reserve_type=change.reserve_type, by=change.requested_by or by, reason=change.reason,
        at=at, approved_by=approved_by,
    )  # fmt: skip
    change.status = ReserveChangeStatus.APPLIED
    change.movement = movement
    change.decided_at = at
    change.decided_by = approved_by or by
    change.save(update_fields=["status", "movement", "decided_at", "decided_by"])


def decide(
    change: ReserveChange, *, acting_user: Any, approve: bool, note: str = ""
) -> ReserveChange:
    """A claims approver applies or declines a revision above the handler's limit; never their
    own, and only within their own authority. One is applied only against the balance it was
    asked against: the authority was judged on that gap, so if the reserve moved meanwhile
    (a payment, another revision) approving it is refused (409); declining is always allowed."""
    ensure_visible(acting_user, change.claim)
    if not has_perm(acting_user, Perm.APPROVE_CLAIMS):
        raise PermissionDenied("只有核赔人可以批准 / only claims approvers may decide this")
    ensure_changeable(acting_user, change.claim)
    now = clock.now()
    with transaction.atomic():
        claim = lock_claim(change.claim)
        change = ReserveChange.objects.select_for_update().get(pk=change.pk)
        change.claim = claim
        if change.status != ReserveChangeStatus.PENDING:
            raise DomainError("decided", "该调整已处理 / already decided", "change", status=409)
        if change.requested_by_id == acting_user.pk:
            raise PermissionDenied("不能批准自己的调整 / you cannot approve your own revision")
        if approve:
            held = balance(claim, change.coverage, change.reserve_type)
            if held != change.balance_before:
                raise DomainError(
                    "stale",
                    f"准备金已变为 {held}（申请时 {change.balance_before}），请驳回后重新申请 / "
                    f"the reserve is {held} now, not the {change.balance_before} this revision "
                    "was asked against: decline it and ask again",
                    "change",
                    status=409,
                )
            if not within(acting_user, change.amount):
                raise PermissionDenied(
                    f"超出您的权限 {revision_limit(acting_user)} / above your authority"
                )
            _apply(change, acting_user, approved_by=acting_user, at=now)
        else:
            change.status = ReserveChangeStatus.DECLINED
            change.decided_by = acting_user
            change.decided_at = now
        change.decision_note = (note or "")[:255]
        change.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        audit.record(
            acting_user, AuditLog.Action.UPDATE, claim,
            summary=f"{claim.claim_no} reserve change {change.pk} {change.status}",
        )  # fmt: skip
    return change
