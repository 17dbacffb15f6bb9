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

from django.db.models import Sum

from carecircle.core import clock
from carecircle.core.money import ZERO, to_money

from ..choices import ReserveKind, ReserveType
from ..models import Claim, ClaimPayment, ReserveMovement


def balance(claim: Claim, coverage: str, reserve_type: str = ReserveType.CASE) -> Decimal:
    last = (
        ReserveMovement.objects.filter(claim=claim, coverage=coverage, reserve_type=reserve_type)
        .order_by("-at", "-id")
        .values_list("balance_after", flat=True)
        .first()
    )
    return last if last is not None else ZERO


def balances(claim: Claim, reserve_type: str = ReserveType.CASE) -> dict[str, Decimal]:
    """Each coverage's current balance of one reserve type."""
    coverages = (
        ReserveMovement.objects.filter(claim=claim, reserve_type=reserve_type)
        .values_list("coverage", flat=True)
        .distinct()
    )
    return {c: balance(claim, c, reserve_type) for c in sorted(set(coverages))}


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
    a payment above the reserve is paid, not reserved). Nothing moves for a zero amount."""
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
