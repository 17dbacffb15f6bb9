"""Payees and their bank accounts (ADR 0016): recorded by claims staff within their unit, the
account number encrypted and masked, verified by a small confirmation amount the payee reads
back or by a handler's recorded call-back — or left unverified (shown; the setting
``UNVERIFIED_ACCOUNTS`` decides whether such an account may be paid, and by whom)."""

from __future__ import annotations

import re
import secrets
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from carecircle.core import audit, clock, pii
from carecircle.core.access import Action as Access
from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog
from carecircle.core.money import parse_money, to_money
from carecircle.core.roles import Perm, has_perm

from .. import bank_conf
from ..choices import AccountStatus, Payee, VerificationMethod
from ..models import BankAccount, Claim, PaymentPayee
from .payment import payees_for_claim
from .permissions import ensure_changeable

DIGITS = re.compile(r"^\d{8,32}$")
BRANCH = re.compile(r"^\d{12}$")


def _staff(user: Any) -> None:
    if not has_perm(user, Perm.HANDLE_CLAIMS):
        raise PermissionDenied("理赔人员使用 / for claims staff")


def normalise_number(raw: str) -> str:
    number = re.sub(r"[\s-]", "", raw or "")
    if not DIGITS.match(number):
        raise DomainError(
            "account_number", "账号应为8-32位数字 / an account number is 8-32 digits", "number"
        )
    return number


def _new(name: str, claim: Claim, now: Any, by: Any) -> dict[str, Any]:
    return {"name": name, "unit": claim.unit, "created_at": now, "created_by": by}


def payee_for(
    claim: Claim,
    kind: str,
    *,
    acting_user: Any,
    name: str = "",
    id_number: str = "",
) -> PaymentPayee:
    """The payee of ``kind`` on ``claim``: the insured and the shop have one payee each
    (found or made); a third party or a hospital is recorded by name (a third party with an
    ID number, encrypted)."""
    _staff(acting_user)
    ensure_changeable(acting_user, claim)
    if kind not in Payee.values:
        raise DomainError("payee", "收款方不合法 / unknown payee", "kind")
    now, by = clock.now(), acting_user
    if kind == Payee.CUSTOMER:
        customer = claim.policy.customer
        try:
            with transaction.atomic():
                payee, _ = PaymentPayee.objects.get_or_create(
                    kind=kind,
                    customer=customer,
                    defaults={
                        "name": customer.name,
                        "unit": claim.unit,
                        "created_at": now,
                        "created_by": by,
                    },
                )
        except IntegrityError:
            payee = PaymentPayee.objects.get(kind=kind, customer=customer)
        return payee
    if kind == Payee.SHOP:
        if claim.repair_shop is None:
            raise DomainError("no_shop", "该赔案未送修 / the claim has no repair shop", "kind")
        shop = claim.repair_shop
        try:
            with transaction.atomic():
                payee, _ = PaymentPayee.objects.get_or_create(
                    kind=kind,
                    shop=shop,
                    defaults={
                        "name": shop.name,
                        "unit": claim.unit,
                        "created_at": now,
                        "created_by": by,
                    },
                )
        except IntegrityError:
            payee = PaymentPayee.objects.get(kind=kind, shop=shop)
        return payee
    name = (name or "").strip()
    if not name:
        raise DomainError("name", "请填写收款人名称 / the payee's name is required", "name")
    if kind == Payee.THIRD_PARTY and not (id_number or "").strip():
        raise DomainError(
            "id_number", "第三者须填写证件号 / a third party's ID number is required", "id_number"
        )
    payee = PaymentPayee(
        kind=kind,
        claim=claim if kind == Payee.THIRD_PARTY else None,
        name=name[:128],
        unit=claim.unit,
        created_at=now,
        created_by=by,
    )
    payee.set_id_number((id_number or "").strip().upper())
    payee.save()
    audit.record(acting_user, AuditLog.Action.CREATE, payee, summary=f"payee {payee}")
    return payee


def add_account(
    payee: PaymentPayee,
    *,
    number: str,
    holder_name: str,
    bank_name: str,
    bank_code: str = "",
    branch_code: str = "",
    acting_user: Any,
    claim: Claim | None = None,
) -> BankAccount:
    """A new account for ``payee`` (unverified until confirmed). With ``claim``: a payee of
    that claim the user may change (the insured's and the shop's payee reach through it)."""
    _staff(acting_user)
    if claim is not None:
        ensure_changeable(acting_user, claim)
        reached = payees_for_claim(claim, acting_user).filter(pk=payee.pk).exists()
    else:
        reached = (
            PaymentPayee.objects.restrict(acting_user, Access.CHANGE).filter(pk=payee.pk).exists()
        )
    if not reached:
        raise PermissionDenied("该收款人不在您的机构范围内 / this payee is outside your unit")
    number = normalise_number(number)
    branch_code = (branch_code or "").strip()
    if branch_code and not BRANCH.match(branch_code):
        raise DomainError("branch_code", "联行号为12位数字 / a branch code is 12 digits", "branch")
    if not (holder_name or "").strip() or not (bank_name or "").strip():
        raise DomainError(
            "holder_name", "请填写户名和开户行 / the holder and the bank are required", "holder"
        )
    account = BankAccount(
        payee=payee,
        holder_name=holder_name.strip()[:128],
        bank_name=bank_name.strip()[:128],
        bank_code=(bank_code or "").strip().upper()[:16],
        branch_code=branch_code,
        created_at=clock.now(),
        created_by=acting_user,
    )
    account.set_number(number)
    account.save()
    audit.record(acting_user, AuditLog.Action.CREATE, account,
                 summary=f"account {account.number_masked} for {payee}")  # fmt: skip
    return account


def _changeable(account: BankAccount, user: Any, claim: Claim | None = None) -> BankAccount:
    _staff(user)
    if claim is not None:
        ensure_changeable(user, claim)
        rows = BankAccount.objects.filter(payee__in=payees_for_claim(claim, user).values("pk"))
    else:
        rows = BankAccount.objects.restrict(user, Access.CHANGE)
    found = rows.filter(pk=account.pk).first()
    if found is None:
        raise PermissionDenied("该账户不在您的机构范围内 / this account is outside your unit")
    return found


def send_confirmation_amount(
    account: BankAccount, *, acting_user: Any, claim: Claim | None = None
) -> Decimal:
    """Start a penny test: a random amount of ¥0.01-0.99 goes to the account (in the next
    batch file's stead, the demo's bank shows it); the payee reads it back. Only its blind
    index is kept. Returns the amount for the bank instruction."""
    account = _changeable(account, acting_user, claim)
    amount = to_money(Decimal(secrets.randbelow(99) + 1) / 100)
    account.confirm_amount_hash = pii.blind_index(f"confirm:{account.pk}:{amount}")
    account.confirm_attempts = 0
    account.status = AccountStatus.PENDING
    account.save(update_fields=["confirm_amount_hash", "confirm_attempts", "status"])
    audit.record(acting_user, AuditLog.Action.UPDATE, account,
                 summary=f"confirmation amount sent to {account.number_masked}")  # fmt: skip
    return amount


def confirm_amount(
    account: BankAccount, amount: Any, *, acting_user: Any, claim: Claim | None = None
) -> BankAccount:
    """The payee says what arrived: the right amount verifies the account; after
    ``CONFIRM_ATTEMPTS`` wrong answers it must be verified another way."""
    account = _changeable(account, acting_user, claim)
    if account.status != AccountStatus.PENDING:
        raise DomainError("not_pending", "未发送确认金额 / no confirmation amount is pending")
    said = parse_money("amount", amount, required=True)
    with transaction.atomic():
        account = BankAccount.objects.select_for_update().get(pk=account.pk)
        if account.confirm_attempts >= bank_conf.get("CONFIRM_ATTEMPTS"):
            raise DomainError("too_many", "错误次数过多，请电话核验 / too many tries; call back")
        # Under every readable key: a penny test pending across a key rotation still matches.
        if account.confirm_amount_hash not in pii.blind_indexes(f"confirm:{account.pk}:{said}"):
            account.confirm_attempts += 1
            account.save(update_fields=["confirm_attempts"])
            wrong = DomainError("wrong_amount", "金额不符 / that is not the amount sent", "amount")
        else:
            wrong = None
            _verified(
                account, VerificationMethod.AMOUNT, acting_user, "小额确认 / amount confirmed"
            )
    if wrong is not None:
        raise wrong
    return account


def record_callback(
    account: BankAccount, *, acting_user: Any, note: str, claim: Claim | None = None
) -> BankAccount:
    """A handler called the payee back on a number on file and they confirmed the account:
    recorded with who, when and what was said. Another person than the one who recorded the
    account makes the call: nobody verifies the account they entered themselves."""
    account = _changeable(account, acting_user, claim)
    if account.created_by_id is not None and account.created_by_id == acting_user.pk:
        raise PermissionDenied(
            "账户须由录入人以外的人电话核验 / someone other than who entered the account "
            "must call back to verify it"
        )
    if not (note or "").strip():
        raise DomainError("note", "请记录回访情况 / say whom you called and what they said", "note")
    with transaction.atomic():
        _verified(account, VerificationMethod.CALLBACK, acting_user, note.strip())
    return account


def _verified(account: BankAccount, method: str, user: Any, note: str) -> None:
    account.status = AccountStatus.VERIFIED
    account.verification_method = method
    account.verified_by, account.verified_at = user, clock.now()
    account.verification_note = note[:255]
    account.confirm_amount_hash = ""
    account.save()
    audit.record(user, AuditLog.Action.UPDATE, account,
                 summary=f"account {account.number_masked} verified by {method}")  # fmt: skip
