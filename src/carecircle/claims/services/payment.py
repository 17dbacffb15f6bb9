"""Payment (支付), exactly once, and its way to the bank (ADR 0016).

created → approved → sent (in a bank batch file) → confirmed | returned. Making the payment
does not pay the claim: the claim is paid (``ClaimStatus.PAID``, ``paid_at``, ``amount_paid``)
only when the bank confirms it, and ``amount_paid`` is always the confirmed payments not
returned. The payment clock (Art 23, 10 days) stops when the settlement leaves in a batch
(``Claim.payment_sent_at``), not at confirmation — and only a payment not returned meets it:
a returned settlement with nothing else of its round on the way clears ``payment_sent_at``
until the reissue leaves. A returned payment reopens the payment task
(a review flag on the claim with the bank's reason, the handler told) and is reissued as a new
payment (``reissue_of``) to a corrected account.

Exactly once: a retry with the same key, a second click, two people at once or the recovery
sweep all return the one settlement payment of a claim and round (key → lock → unique
constraint). Advance payment (先予支付, Art 25) pays the certain part while the amount is still
being decided; it goes the same way to the bank."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q, Sum

from carecircle.core import audit, clock
from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog
from carecircle.core.money import ZERO, parse_money, to_money
from carecircle.core.roles import Perm, has_perm

from .. import bank_conf, rule_settings, rules
from ..choices import Action, ClaimStatus, FlagStatus, Payee, PaymentKind, PaymentStatus
from ..models import BankAccount, Claim, ClaimFlag, ClaimPayment, PaymentPayee
from . import reserves
from .clocks import save_with_clocks
from .locks import lock_claim
from .permissions import ensure_changeable, ensure_visible, require
from .timeline import record

log = logging.getLogger(__name__)

P = PaymentStatus
# Payments that are (or will be) money out: a returned or cancelled one no longer is.
LIVE = (P.CREATED, P.APPROVED, P.SENT, P.CONFIRMED)
IN_FLIGHT = (P.APPROVED, P.SENT)
RETURN_FLAG = "payment_returned"


def final_key(claim: Claim) -> str:
    return f"claim:{claim.pk}:final:{claim.reopen_count}"


def default_payee(claim: Claim) -> str:
    return Payee.SHOP if claim.repair_shop_id else Payee.CUSTOMER


def _user(user: Any) -> Any:
    return user if getattr(user, "is_authenticated", False) else None


def default_account(claim: Claim, payee: str) -> BankAccount | None:
    """The insured's or the shop's newest account in use (verified first), if it has one."""
    if payee == Payee.CUSTOMER:
        owner = Q(payee__kind=Payee.CUSTOMER, payee__customer_id=claim.policy.customer_id)
    elif payee == Payee.SHOP and claim.repair_shop_id:
        owner = Q(payee__kind=Payee.SHOP, payee__shop_id=claim.repair_shop_id)
    else:
        return None
    accounts = BankAccount.objects.filter(owner, active=True)
    return accounts.order_by(F("verified_at").desc(nulls_last=True), "-created_at").first()


# ---- approval ---------------------------------------------------------------------------------


def second_approval_reason(amount: Decimal, account: BankAccount | None) -> str:
    """Why a payment needs a second person's approval ("" = it does not)."""
    if amount > to_money(bank_conf.get("SECOND_APPROVAL_ABOVE")):
        return "amount"
    if account is not None and not account.verified:
        rule = bank_conf.get("UNVERIFIED_ACCOUNTS")
        if rule == "refuse":
            raise DomainError(
                "account_unverified",
                "收款账户未核验，不能支付 / the account is not verified and may not be paid",
                "account",
            )
        if rule == "approver":
            return "unverified"
    return ""


def _status_at_creation(payment: ClaimPayment, acting_user: Any) -> None:
    if second_approval_reason(payment.amount, payment.account):
        payment.status = P.CREATED
        payment.approved_by, payment.approved_at = None, None
    else:
        payment.status = P.APPROVED
        payment.approved_by, payment.approved_at = _user(acting_user), payment.created_at


def _new_payment(claim: Claim, acting_user: Any, **fields: Any) -> ClaimPayment:
    payment = ClaimPayment(
        claim=claim,
        round=claim.reopen_count,
        created_at=clock.now(),
        created_by=_user(acting_user),
        **fields,
    )
    if payment.account is not None:
        payment.payee = payment.account.payee.kind
        payment.payee_shop = payment.account.payee.shop
    elif payment.payee == Payee.SHOP:
        payment.payee_shop = claim.repair_shop
    _status_at_creation(payment, acting_user)
    payment.save()
    record(
        claim,
        Action.PAYMENT_CREATED,
        claim.status,
        acting_user,
        "",
        payment=payment.pk,
        amount=payment.amount,
        payee=payment.payee,
        status=payment.status,
    )
    return payment


def approve_payment(payment: ClaimPayment, *, acting_user: Any) -> ClaimPayment:
    """Release a payment that needs a second person: an approver who did not make it, within
    their authority and their unit (the claim's change scope)."""
    if not has_perm(acting_user, Perm.APPROVE_CLAIMS):
        raise PermissionDenied("只有核赔人可以审批支付 / only claims approvers release payments")
    ensure_changeable(acting_user, payment.claim)
    with transaction.atomic():
        lock_claim(payment.claim)
        payment = ClaimPayment.objects.select_related("claim", "account").get(pk=payment.pk)
        if payment.status == P.APPROVED and payment.approved_by_id == acting_user.pk:
            return payment
        if payment.status != P.CREATED:
            raise DomainError(
                "payment_not_waiting", "该支付无需审批 / this payment is not awaiting approval"
            )
        if payment.created_by_id is not None and payment.created_by_id == acting_user.pk:
            raise PermissionDenied("不能审批自己发起的支付 / you cannot release your own payment")
        role = "manager" if acting_user.is_superuser else acting_user.role
        if not rules.may_approve(payment.amount, role, rule_settings.authority_ladder()):
            raise DomainError(
                "above_authority",
                f"{payment.amount} 超出您的权限 / {payment.amount} is above your authority",
                "amount",
                status=403,
            )
        payment.status, payment.approved_by, payment.approved_at = (
            P.APPROVED,
            acting_user,
            clock.now(),
        )
        payment.save(update_fields=["status", "approved_by", "approved_at"])
        record(payment.claim, Action.PAYMENT_APPROVED, payment.claim.status, acting_user, "",
               payment=payment.pk, amount=payment.amount)  # fmt: skip
        audit.record(acting_user, AuditLog.Action.UPDATE, payment.claim,
                     summary=f"payment {payment.pk} approved {payment.amount}")  # fmt: skip
    return payment


def attach_account(
    payment: ClaimPayment, account: BankAccount, *, acting_user: Any
) -> ClaimPayment:
    """Name the account a payment made without one goes to (before it is sent); the approval
    rule is applied again for that account."""
    require(acting_user, payment.claim, Action.PAY)
    ensure_changeable(acting_user, payment.claim)
    ensure_claims_account(payment.claim, account, acting_user)
    with transaction.atomic():
        lock_claim(payment.claim)
        payment = ClaimPayment.objects.select_related("claim").get(pk=payment.pk)
        if payment.status not in (P.CREATED, P.APPROVED):
            raise DomainError("payment_sent", "已汇出的支付不能改账户 / already sent")
        changed = payment.account_id != account.pk
        payment.account = account
        payment.payee, payment.payee_shop = account.payee.kind, account.payee.shop
        # A new account is a new payment to approve: an approval given for another account
        # (or for none) does not carry over where the approval rule applies to this one.
        if (
            changed
            and payment.status == P.APPROVED
            and second_approval_reason(payment.amount, account)
        ):
            payment.status, payment.approved_by, payment.approved_at = P.CREATED, None, None
        payment.save()
        audit.record(acting_user, AuditLog.Action.UPDATE, payment.claim,
                     summary=f"payment {payment.pk} to account {account.pk}")  # fmt: skip
    return payment


def ensure_claims_account(claim: Claim, account: BankAccount, user: Any) -> None:
    """A payment of ``claim`` goes only to an account in use of one of this claim's payees
    (the insured, its shop, its third parties, a hospital) — never to any account in reach."""
    if not account.active:
        raise DomainError("account_retired", "该账户已停用 / this account is retired", "account")
    if user is None:
        return
    if not payees_for_claim(claim, user).filter(pk=account.payee_id).exists():
        raise DomainError(
            "account_not_this_claims",
            "该账户不属于本案收款人 / the account is not one of this claim's payees",
            "account",
        )


# ---- making the payment -----------------------------------------------------------------------


def live_total(claim: Claim) -> Decimal:
    """What the claim has paid or is paying: every live payment, reissues included (a returned
    payment counts 0 and its live reissue counts in its stead — never both, never neither)."""
    return claim.payments.filter(status__in=LIVE).aggregate(s=Sum("amount"))["s"] or ZERO


def pay_locked(
    claim: Claim, *, acting_user, key: str, payee: str, account: BankAccount | None = None
) -> ClaimPayment:
    """With the claim row locked: one settlement per claim and round, whatever the key. The
    claim stays approved until the bank confirms the payment."""
    existing = ClaimPayment.objects.filter(
        claim=claim, kind=PaymentKind.FINAL, round=claim.reopen_count, reissue_of__isnull=True
    ).first()
    if existing is not None:
        return existing
    rules.check_transition(Action.PAY, claim.status, claim.injury)
    amount = to_money((claim.amount_approved or ZERO) - live_total(claim))
    if amount <= 0:
        raise DomainError("nothing_to_pay", "已无应付金额 / nothing left to pay", "amount")
    payment = _new_payment(
        claim,
        acting_user,
        kind=PaymentKind.FINAL,
        amount=amount,
        payee=payee,
        account=account or default_account(claim, payee),
        idempotency_key=key,
    )
    save_with_clocks(claim)
    audit.record(
        acting_user,
        AuditLog.Action.UPDATE,
        claim,
        summary=f"{claim.claim_no} payment {amount} instructed ({payment.status})",
    )
    return payment


def pay(
    claim: Claim,
    *,
    acting_user,
    idempotency_key: str | None = None,
    payee: str | None = None,
    account: BankAccount | None = None,
) -> ClaimPayment:
    """支付: instruct the settlement payment. Exactly once: a retry with the same key, a second
    click, two people at once or the recovery sweep all return the one settlement payment."""
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
            if account is not None:
                ensure_claims_account(locked, account, acting_user)
            return pay_locked(
                locked,
                acting_user=acting_user,
                key=key or final_key(locked),
                payee=account.payee.kind if account else payee or default_payee(locked),
                account=account,
            )
    except IntegrityError:
        # A concurrent request with the same key or for the same claim won: its payment counts.
        found = ClaimPayment.objects.filter(
            claim=claim, kind=PaymentKind.FINAL, reissue_of__isnull=True
        ).order_by("-round")
        if key:
            found = ClaimPayment.objects.filter(idempotency_key=key) | found
        payment = found.first()
        if payment is None:
            raise
        return payment


def settle_approved(*, limit: int = 1000) -> int:
    """Recovery sweep: approved claims with no settlement payment for their round (a crash
    between approval and payment) get it now, once. Run by `carecircle claims_clocks --settle`
    or the worker."""
    done = 0
    settled = ClaimPayment.objects.filter(
        claim=OuterRef("pk"),
        kind=PaymentKind.FINAL,
        reissue_of__isnull=True,
        round=OuterRef("reopen_count"),
    )
    waiting = (
        Claim.objects.filter(status=ClaimStatus.APPROVED)
        .exclude(Exists(settled))
        .order_by("approved_at")
    )
    for claim in waiting[:limit]:
        try:
            pay(claim, acting_user=None)
            done += 1
        except DomainError:
            continue
    return done


def pay_advance(
    claim: Claim,
    amount: Any,
    *,
    acting_user,
    idempotency_key: str | None = None,
    account: BankAccount | None = None,
):
    """先予支付 (Art 25): pay the certain part when the amount is still open (to the insured)."""
    ensure_visible(acting_user, claim)
    require(acting_user, claim, Action.ADVANCE_PAYMENT)
    amount = parse_money("amount", amount, required=True)
    if amount <= 0:
        raise DomainError("amount", "金额须大于0 / the amount must be above 0", "amount")
    with transaction.atomic():
        claim = lock_claim(claim)
        rules.check_transition(Action.ADVANCE_PAYMENT, claim.status, claim.injury)
        if account is not None:
            ensure_claims_account(claim, account, acting_user)
        n = claim.payments.filter(kind=PaymentKind.ADVANCE, reissue_of__isnull=True).count()
        key = idempotency_key or f"claim:{claim.pk}:advance:{n + 1}"
        replay = ClaimPayment.objects.filter(idempotency_key=key, claim=claim).first()
        if replay is not None:
            return replay
        payment = _new_payment(
            claim,
            acting_user,
            kind=PaymentKind.ADVANCE,
            amount=amount,
            payee=Payee.CUSTOMER,
            account=account or default_account(claim, Payee.CUSTOMER),
            idempotency_key=key,
        )
        record(claim, Action.ADVANCE_PAYMENT, claim.status, acting_user, "", amount=amount)
        audit.record(acting_user, AuditLog.Action.UPDATE, claim, summary=f"advance {amount}")
        return payment


# ---- what the bank says -----------------------------------------------------------------------


def refresh_paid(claim: Claim) -> None:
    """``amount_paid`` = the confirmed payments not returned (the one rule; ADR 0016)."""
    claim.amount_paid = reserves.paid_total(claim)


def _settles_the_claim(payment: ClaimPayment) -> bool:
    return payment.kind == PaymentKind.FINAL


def mark_sent(payment: ClaimPayment, *, batch: Any, at: dt.datetime, acting_user: Any) -> None:
    """The payment left in ``batch`` (claim row locked by the caller). A settlement stops the
    payment clock: the first dispatch of the round is the claim's ``payment_sent_at``."""
    claim = payment.claim
    payment.status, payment.batch, payment.sent_at = P.SENT, batch, at
    payment.save(update_fields=["status", "batch", "sent_at"])
    first_of_round = claim.payment_sent_at is None or (
        claim.reopened_at is not None and claim.payment_sent_at < claim.reopened_at
    )
    if _settles_the_claim(payment) and first_of_round:
        claim.payment_sent_at = at
    save_with_clocks(claim)
    record(claim, Action.PAYMENT_SENT, claim.status, acting_user, "",
           payment=payment.pk, amount=payment.amount, batch=batch.file_name)  # fmt: skip


def confirm(
    payment: ClaimPayment, *, at: dt.datetime, bank_ref: str = "", acting_user: Any = None
) -> bool:
    """The bank confirms ``payment`` (claim row locked by the caller): it is paid now; a
    settlement makes the claim paid. False when it was already confirmed (nothing changes)."""
    if payment.status == P.CONFIRMED:
        return False
    if payment.status != P.SENT:
        raise DomainError(
            "payment_not_sent",
            f"支付状态为 {payment.status}，不能确认 / a {payment.status} payment cannot be confirmed",
        )
    claim = payment.claim
    payment.status, payment.confirmed_at = P.CONFIRMED, at
    payment.gateway_ref = bank_ref[:64] or payment.gateway_ref
    payment.save(update_fields=["status", "confirmed_at", "gateway_ref"])
    reserves.on_payment_confirmed(payment, acting_user=acting_user)
    refresh_paid(claim)
    if _settles_the_claim(payment) and claim.status == ClaimStatus.APPROVED:
        before = claim.status
        claim.status, claim.paid_at = ClaimStatus.PAID, at
        save_with_clocks(claim)
        record(claim, Action.PAY, before, acting_user, "", amount=claim.amount_paid,
               payment=payment.pk, bank_ref=bank_ref)  # fmt: skip
    else:
        save_with_clocks(claim)
    audit.record(acting_user, AuditLog.Action.UPDATE, claim,
                 summary=f"{claim.claim_no} payment {payment.pk} confirmed {payment.amount}")  # fmt: skip
    return True


def mark_returned(
    payment: ClaimPayment,
    *,
    at: dt.datetime,
    code: str,
    reason: str,
    acting_user: Any = None,
) -> bool:
    """The bank returned ``payment`` (claim row locked by the caller): before confirmation it
    never counted; after, it counts back out. The payment task reopens with the bank's reason
    and the handler is told. False when it was already returned (nothing changes)."""
    if payment.status == P.RETURNED:
        return False
    if payment.status not in (P.SENT, P.CONFIRMED):
        raise DomainError(
            "payment_not_sent",
            f"支付状态为 {payment.status}，不能退回 / a {payment.status} payment cannot be returned",
        )
    claim = payment.claim
    was_confirmed = payment.status == P.CONFIRMED
    payment.status, payment.returned_at = P.RETURNED, at
    payment.return_code = code[:16]
    payment.return_reason = (f"{code} {reason}".strip())[:128]
    payment.save(update_fields=["status", "returned_at", "return_code", "return_reason"])
    if was_confirmed:
        reserves.on_payment_returned(payment, acting_user=acting_user)
    refresh_paid(claim)
    before = claim.status
    if was_confirmed and _settles_the_claim(payment) and claim.status == ClaimStatus.PAID:
        claim.status, claim.paid_at = ClaimStatus.APPROVED, None
    if _settles_the_claim(payment) and not _settlement_out(claim, payment):
        # Nothing of the round's settlement is on its way any more: the payment clock was
        # met by a payment that did not pay, so it runs again until the reissue leaves.
        claim.payment_sent_at = None
    save_with_clocks(claim)
    record(claim, Action.PAYMENT_RETURNED, before, acting_user, payment.return_reason,
           payment=payment.pk, amount=payment.amount, code=code)  # fmt: skip
    _reopen_payment_task(claim, payment)
    audit.record(acting_user, AuditLog.Action.UPDATE, claim,
                 summary=f"{claim.claim_no} payment {payment.pk} returned: {payment.return_reason}")  # fmt: skip
    return True


def _settlement_out(claim: Claim, returned: ClaimPayment) -> bool:
    """Another settlement of the claim's round has left (sent or confirmed, not returned)."""
    return (
        ClaimPayment.objects.filter(
            claim=claim,
            kind=PaymentKind.FINAL,
            round=returned.round,
            status__in=(P.SENT, P.CONFIRMED),
        )
        .exclude(pk=returned.pk)
        .exists()
    )


def _reopen_payment_task(claim: Claim, payment: ClaimPayment) -> None:
    """The claim comes back to its handler: an open review flag with the bank's reason (the
    worklist's "flagged" view and the claim page show it) and an e-mail after the commit."""
    reason = f"支付{payment.pk}被银行退回: {payment.return_reason} / payment {payment.pk} returned"
    ClaimFlag.objects.update_or_create(
        claim=claim,
        code=RETURN_FLAG,
        defaults={
            "reason": reason[:255],
            "status": FlagStatus.OPEN,
            "raised_at": payment.returned_at,
            "reviewer": None,
            "reviewed_at": None,
            "note": "",
        },
    )
    handler = claim.handler
    if handler is not None and handler.email:
        subject = f"[CareCircle] {claim.claim_no} 赔款被退回 / payment returned"
        body = f"{reason}\n请更正收款账户后重新支付 / correct the account and reissue."
        to = [handler.email]
        transaction.on_commit(lambda: _mail(subject, body, to), robust=True)


def _mail(subject: str, body: str, to: list[str]) -> None:
    send_mail(subject, body, None, to, fail_silently=False)
    log.info("payment return mailed to %s", to)


def reissue(
    payment: ClaimPayment, *, account: BankAccount, acting_user: Any, reason: str = ""
) -> ClaimPayment:
    """Pay a returned payment again, to ``account`` (usually a corrected one): a new payment
    that points at the returned one, approved by the same rule; once per returned payment."""
    claim = payment.claim
    ensure_visible(acting_user, claim)
    require(acting_user, claim, Action.PAY)
    ensure_changeable(acting_user, claim)
    with transaction.atomic():
        lock_claim(claim)
        payment = ClaimPayment.objects.select_related("claim", "account").get(pk=payment.pk)
        claim = payment.claim
        done = ClaimPayment.objects.filter(reissue_of=payment).first()
        if done is not None:
            return done
        if payment.status != P.RETURNED:
            raise DomainError(
                "not_returned", "只有被退回的支付可以重新支付 / only a returned payment is reissued"
            )
        ensure_claims_account(claim, account, acting_user)
        new = _new_payment(
            claim,
            acting_user,
            kind=payment.kind,
            amount=payment.amount,
            payee=account.payee.kind,
            account=account,
            reissue_of=payment,
            idempotency_key=f"reissue:{payment.pk}",
        )
        if payment.account_id is not None and payment.account_id != account.pk:
            BankAccount.objects.filter(pk=payment.account_id).update(active=False)
        ClaimFlag.objects.filter(claim=claim, code=RETURN_FLAG, status=FlagStatus.OPEN).update(
            status=FlagStatus.CLEARED,
            reviewer=_user(acting_user),
            reviewed_at=clock.now(),
            note=(reason or f"已重新支付 {new.pk} / reissued as {new.pk}")[:255],
        )
        record(claim, Action.PAYMENT_REISSUED, claim.status, acting_user, reason,
               payment=new.pk, reissue_of=payment.pk, amount=new.amount)  # fmt: skip
        audit.record(acting_user, AuditLog.Action.UPDATE, claim,
                     summary=f"payment {payment.pk} reissued as {new.pk} to account {account.pk}")  # fmt: skip
    return new


def payees_for_claim(claim: Claim, user: Any):
    """The payees a handler may pay on ``claim``: the insured, the claim's shop, the third
    parties recorded on it and the hospitals of the handler's reach. The insured's and the
    shop's payee are one per party, whichever unit's claim made them first: claims staff who
    reach ``claim`` reach them through it (a partner user still only its own shop's)."""
    mine = PaymentPayee.objects.restrict(user)
    parties = Q(kind=Payee.CUSTOMER, customer_id=claim.policy.customer_id) | Q(
        kind=Payee.SHOP, shop_id=claim.repair_shop_id
    )
    others = Q(kind=Payee.THIRD_PARTY, claim=claim) | Q(kind=Payee.HOSPITAL)
    through_claim = has_perm(user, Perm.HANDLE_CLAIMS) and (
        Claim.objects.restrict(user).filter(pk=claim.pk).exists()
    )
    if not through_claim:
        return mine.filter(parties | others)
    return PaymentPayee.objects.filter(parties | Q(pk__in=mine.filter(others).values("pk")))
