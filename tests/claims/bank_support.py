"""Helpers for tests that need the bank to answer: pay a claim all the way (an account for the
insured when the payment has none, a second approval when it needs one, the batch file and a
return file that confirms it) — the claim is paid only when the bank confirms (ADR 0016)."""

from __future__ import annotations

from carecircle.claims import services
from carecircle.claims.choices import PaymentStatus
from carecircle.claims.models import ClaimPayment
from carecircle.claims.services import bank, payees
from carecircle.claims.services import payment as payments
from tests.factories import UserFactory

HEADER = "reference,status,amount,bank_ref,reason_code,reason_text\r\n"


def return_file(*lines: tuple[ClaimPayment, str, str, str]) -> bytes:
    """A DEFAULT-layout return file: (payment, status, reason_code, reason_text) per line."""
    rows = [
        f"{bank.reference(p)},{status},{p.amount:.2f},B{p.pk},{code},{text}"
        for p, status, code, text in lines
    ]
    return (HEADER + "\r\n".join(rows) + "\r\n").encode()


def verifier(user):
    """A colleague of ``user`` (same role and unit) who makes the verifying call-back: nobody
    verifies an account they entered themselves (ADR 0016)."""
    from carecircle.core.models import User

    name = f"verifier{user.pk}"
    found = User.objects.filter(username=name).first()
    return found or UserFactory(username=name, role=user.role, unit=user.unit)


def insured_account(claim, user, number: str = "6222021202000099999", kind: str = "customer"):
    """A verified account of the insured (or of the claim's shop, ``kind="shop"``)."""
    payee = payees.payee_for(claim, kind, acting_user=user)
    account = payees.add_account(
        payee, number=number, holder_name=payee.name, bank_name="中国银行", acting_user=user
    )
    payees.record_callback(
        account, acting_user=verifier(user), note="已致电被保险人确认 / called back"
    )
    account.refresh_from_db()
    return account


def ready(payment: ClaimPayment, user) -> ClaimPayment:
    """Give ``payment`` an account and a second approval when it needs them."""
    payment.refresh_from_db()
    if payment.account is None:
        payments.attach_account(
            payment, insured_account(payment.claim, user, kind=payment.payee), acting_user=user
        )
        payment.refresh_from_db()
    if payment.status == PaymentStatus.CREATED:
        second = UserFactory(username=f"release{payment.pk}", role="manager")
        payments.approve_payment(payment, acting_user=second)
        payment.refresh_from_db()
    return payment


def send_and_confirm(payment: ClaimPayment, user) -> ClaimPayment:
    payment = ready(payment, user)
    bank.export_batch(acting_user=user)
    payment.refresh_from_db()
    bank.import_returns(
        return_file((payment, "S", "", "")), file_name=f"ok-{payment.pk}.csv", acting_user=user
    )
    payment.refresh_from_db()
    return payment


def pay_confirmed(claim, user, **kw) -> ClaimPayment:
    """``services.pay`` and the bank's confirmation: the claim is paid."""
    return send_and_confirm(services.pay(claim, acting_user=user, **kw), user)
