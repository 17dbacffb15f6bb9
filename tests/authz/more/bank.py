"""Payees and the bank (#16, ADR 0016): claims staff (handlers, approvers, managers) record
payees and accounts, pay, release, reissue, send batch files and import return files for the
claims of their unit's subtree; a second person's release needs an approver (a handler is
refused 403); everyone else — a repair shop's user included — is refused (403) before any
lookup. A partner reaches only its own shop's payee and accounts through the queryset
(tests/claims/services/test_bank.py), never these staff pages."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

from carecircle.claims.models import BankAccount, ClaimPayment, PaymentBatch, PaymentPayee

from ..routes import APPROVER, GET, HANDLER, HO, MANAGER, POST, Check, allow, obj, scoped

CLAIMS_STAFF = (HANDLER, APPROVER, MANAGER, HO)


def _account(w: Any, s: Any, r: str) -> dict[str, Any]:
    """The side's claim with a third party's account (made once, kept in the world)."""
    payee, _ = PaymentPayee.objects.get_or_create(
        kind="third_party",
        claim=s.claim,
        name=f"authz {s.name}",
        defaults={"unit": s.claim.unit, "created_at": s.claim.reported_at},
    )
    account = BankAccount.objects.filter(payee=payee).first()
    if account is None:
        account = BankAccount(
            payee=payee,
            holder_name=payee.name,
            bank_name="authz bank",
            created_at=s.claim.reported_at,
        )
        account.set_number("6222000011112222")
        account.save()
    return {"claim_id": s.claim.pk, "account_id": account.pk}


def _payment(w: Any, s: Any, r: str) -> dict[str, Any]:
    """A payment of the side's claim awaiting a second person (no account: never in a batch)."""
    payment, _ = ClaimPayment.objects.get_or_create(
        idempotency_key=f"authz-bank-{s.name}",
        defaults={
            "claim": s.claim,
            "kind": "advance",
            "amount": Decimal("100.00"),
            "payee": "customer",
            "status": "created",
            "created_at": s.claim.reported_at,
        },
    )
    return {"payment_id": payment.pk}


def _batch(w: Any, s: Any, r: str) -> dict[str, Any]:
    content = f"reference\r\nauthz {s.name}\r\n".encode()
    batch, _ = PaymentBatch.objects.get_or_create(
        file_hash=hashlib.sha256(content).hexdigest(),
        defaults={
            "bank_code": "DEFAULT",
            "file_name": f"authz-{s.name}.csv",
            "content": PaymentBatch.seal(content, "utf-8"),
            "encoding": "utf-8",
            "count": 0,
            "unit": s.unit,
            "created_at": s.claim.reported_at,
        },
    )
    return {"batch_id": batch.pk}


ROUTES: dict[str, list[Check]] = {
    "claims/<int:claim_id>/payees/": [
        Check(
            POST,
            scoped(400, *CLAIMS_STAFF, other=403),
            args=obj("claim_id", "claim"),
            why="an empty form: no payee kind (400 in scope), nothing recorded",
        ),
    ],
    "claims/<int:claim_id>/accounts/<int:account_id>/verify/": [
        Check(
            POST,
            scoped(400, *CLAIMS_STAFF, other=403),
            args=_account,
            why="no verification named (400 in scope); a foreign claim is a 404",
        ),
    ],
    "claims/<int:claim_id>/payments/": [
        Check(
            POST,
            scoped(400, *CLAIMS_STAFF, other=403),
            args=obj("claim_id", "claim"),
            why="no account chosen (400 in scope), nothing paid",
        ),
    ],
    "claims/payments/<int:payment_id>/approve/": [
        Check(
            POST,
            scoped(302, APPROVER, MANAGER, HO, other=403, **{HANDLER: (403, 404)}),
            args=_payment,
            why="released (the write is undone); a handler may not release a payment",
        ),
    ],
    "claims/payments/<int:payment_id>/reissue/": [
        Check(
            POST,
            scoped(400, *CLAIMS_STAFF, other=403),
            args=_payment,
            why="no account given (400 in scope): only a returned payment is reissued anyway",
        ),
    ],
    "claims/payments/<int:payment_id>/account/": [
        Check(
            POST,
            scoped(400, *CLAIMS_STAFF, other=403),
            args=_payment,
            why="no account chosen (400 in scope), nothing changes",
        ),
    ],
    "claims/bank/": [Check(GET, allow(200, *CLAIMS_STAFF))],
    "claims/bank/batches/": [
        Check(
            POST,
            allow(400, *CLAIMS_STAFF),
            why="nothing approved with an account in the world: 400 'nothing to send'",
        ),
    ],
    "claims/bank/batches/<int:batch_id>/": [
        Check(GET, scoped(200, *CLAIMS_STAFF, other=403), args=_batch),
    ],
    "claims/bank/returns/": [
        Check(POST, allow(400, *CLAIMS_STAFF), why="no file: 400, nothing imported"),
    ],
}
