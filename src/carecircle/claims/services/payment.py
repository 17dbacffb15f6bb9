"""Payment (支付), exactly once: a retry with the same key, a second click, two people at once
or the recovery sweep all return the one settlement payment of a claim and round (key → lock →
unique constraint). Advance payment (先予支付, Art 25) pays the certain part while the amount
is still being decided."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum

from carecircle.core import audit, clock
from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog
from carecircle.core.money import ZERO, parse_money, to_money

from .. import rules
from ..choices import Action, ClaimStatus, Payee, PaymentKind
from ..models import Claim, ClaimPayment
from .clocks import save_with_clocks
from .locks import lock_claim
from .permissions import ensure_visible, require
from .timeline import record


def final_key(claim: Claim) -> str:
    return f"claim:{claim.pk}:final:{claim.reopen_count}"


def default_payee(claim: Claim) -> str:
    return Payee.SHOP if claim.repair_shop_id else Payee.CUSTOMER


def pay_locked(claim: Claim, *, acting_user, key: str, payee: str) -> ClaimPayment:
    """With the claim row locked: one settlement per claim and round, whatever the key."""
    existing = ClaimPayment.objects.filter(
        claim=claim, kind=PaymentKind.FINAL, round=claim.reopen_count
    ).first()
    if existing is not None:
        return existing
    rules.check_transition(Action.PAY, claim.status, claim.injury)
    paid_before = claim.payments.aggregate(s=Sum("amount"))["s"] or ZERO
    amount = to_money((claim.amount_approved or ZERO) - paid_before)
    if amount <= 0:
        raise DomainError("nothing_to_pay", "已无应付金额 / nothing left to pay", "amount")
    before = claim.status
    now = clock.now()
    payment = ClaimPayment.objects.create(
        claim=claim,
        kind=PaymentKind.FINAL,
        round=claim.reopen_count,
        amount=amount,
        payee=payee,
        payee_shop=claim.repair_shop if payee == Payee.SHOP else None,
        idempotency_key=key,
        created_at=now,
        created_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
    )
    claim.status = ClaimStatus.PAID
    claim.amount_paid = to_money(paid_before + amount)
    claim.amount_reserved = ZERO
    claim.paid_at = now
    save_with_clocks(claim)
    record(claim, Action.PAY, before, acting_user, "", amount=amount, key=key, payee=payee)
    audit.record(
        acting_user, AuditLog.Action.UPDATE, claim, summary=f"{claim.claim_no} paid {amount}"
    )
    return payment


def pay(
    claim: Claim, *, acting_user, idempotency_key: str | None = None, payee: str | None = None
) -> ClaimPayment:
    """支付. Exactly once: a retry with the same key, a second click, two people at once or the
    recovery sweep all return the one settlement payment."""
    if acting_user is not None:
        ensure_visible(acting_user, claim)
        require(acting_user, claim, Action.PAY)
    key = (idempotency_key or "").strip() or None
    if key and len(key) > 128:
        raise DomainError("idempotency_key", "幂等键过长 / key longer than 128", "Idempotency-Key")
    if payee is not None and payee not in Payee.values:
        raise DomainError("payee", "收款方不合法 / unknown payee", "payee")
    try:
        with transaction.atomic():
            if key:
                replay = ClaimPayment.objects.filter(idempotency_key=key).first()
                if replay is not None:
                    if replay.claim_id != claim.pk:
                        raise DomainError(
                            "idempotency_key_reused",
                            "该幂等键已用于另一赔案 / key used for another claim",
                            "Idempotency-Key",
                            status=409,
                        )
                    return replay
            locked = lock_claim(claim)
            return pay_locked(
                locked,
                acting_user=acting_user,
                key=key or final_key(locked),
                payee=payee or default_payee(locked),
            )
    except IntegrityError:
        # A concurrent request with the same key or for the same claim won: its payment counts.
        found = ClaimPayment.objects.filter(claim=claim, kind=PaymentKind.FINAL).order_by("-round")
        if key:
            found = ClaimPayment.objects.filter(idempotency_key=key) | found
        payment = found.first()
        if payment is None:
            raise
        return payment


def settle_approved(*, limit: int = 1000) -> int:
    """Recovery sweep: approved claims whose payment was lost (a crash between approval and
    payment) are paid now, once. Run by `carecircle claims_clocks --settle` or the worker."""
    done = 0
    for claim in Claim.objects.filter(status=ClaimStatus.APPROVED).order_by("approved_at")[:limit]:
        try:
            pay(claim, acting_user=None)
            done += 1
        except DomainError:
            continue
    return done


def pay_advance(claim: Claim, amount: Any, *, acting_user, idempotency_key: str | None = None):
    """先予支付 (Art 25): pay the certain part when the amount is still open."""
    ensure_visible(acting_user, claim)
    require(acting_user, claim, Action.ADVANCE_PAYMENT)
    amount = parse_money("amount", amount, required=True)
    if amount <= 0:
        raise DomainError("amount", "金额须大于0 / the amount must be above 0", "amount")
    with transaction.atomic():
        claim = lock_claim(claim)
        rules.check_transition(Action.ADVANCE_PAYMENT, claim.status, claim.injury)
        n = claim.payments.filter(kind=PaymentKind.ADVANCE).count()
        key = idempotency_key or f"claim:{claim.pk}:advance:{n + 1}"
        replay = ClaimPayment.objects.filter(idempotency_key=key, claim=claim).first()
        if replay is not None:
            return replay
        payment = ClaimPayment.objects.create(
            claim=claim,
            kind=PaymentKind.ADVANCE,
            round=claim.reopen_count,
            amount=amount,
            payee=Payee.CUSTOMER,
            idempotency_key=key,
            created_at=clock.now(),
            created_by=acting_user,
        )
        claim.amount_paid = to_money(claim.amount_paid + amount)
        save_with_clocks(claim)
        record(claim, Action.ADVANCE_PAYMENT, claim.status, acting_user, "", amount=amount)
        audit.record(acting_user, AuditLog.Action.UPDATE, claim, summary=f"advance {amount}")
        return payment
