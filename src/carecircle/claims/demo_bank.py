"""The demo's payees and bank (#16, ADR 0016): the insured's account verified by a call-back
and a third party's account left unverified; one batch file sent; the bank's return file
confirms the insured's payment (the claim is paid) and returns the third party's with the
bank's reason — a payment for the demo handler to reissue to a corrected account."""

from __future__ import annotations

from typing import Any

from .choices import Payee
from .models import Claim
from .services import bank, payees, payment


def seed_bank(handler: Any, manager: Any, insured: Claim, injured: Claim | None) -> str:
    """``insured``: an approved claim paid to the insured; ``injured``: an approved claim
    whose third party is paid (returned by the bank). Returns a line for the demo's log."""
    payee = payees.payee_for(insured, Payee.CUSTOMER, acting_user=handler)
    account = payees.add_account(
        payee,
        number="6222021202004567890",
        holder_name=payee.name,
        bank_name="中国工商银行杭州西湖支行",
        bank_code="ICBC",
        branch_code="102331000234",
        acting_user=handler,
    )
    payees.record_callback(
        account, acting_user=manager, note="致电被保险人预留手机号，核对户名与账号 / called back"
    )
    account.refresh_from_db()
    paid = payment.pay(insured, acting_user=handler, account=account)
    returned = None
    if injured is not None:
        third = payees.payee_for(
            injured, Payee.THIRD_PARTY, acting_user=handler, name="王建国",
            id_number="330106198503150417",
        )  # fmt: skip
        wrong = payees.add_account(
            third,
            number="6217001540012345678",
            holder_name="王建华",  # the holder's name mistyped: the bank returns it
            bank_name="中国建设银行杭州分行",
            bank_code="CCB",
            branch_code="105331000019",
            acting_user=handler,
        )
        returned = payment.pay(injured, acting_user=handler, account=wrong)
        if returned.status == "created":  # unverified account: a second person releases it
            payment.approve_payment(returned, acting_user=manager)
    batch = bank.export_batch(acting_user=handler)
    lines = [f"{bank.reference(paid)},S,{paid.amount:.2f},ICBC{paid.pk:08d},,"]
    if returned is not None:
        lines.append(
            f"{bank.reference(returned)},F,{returned.amount:.2f},,R03,户名与账号不符 / name does not match"
        )
    content = "reference,status,amount,bank_ref,reason_code,reason_text\r\n" + "\r\n".join(lines)
    result = bank.import_returns(
        (content + "\r\n").encode(), file_name="demo-return.csv", acting_user=handler
    )
    r = result.record
    return (
        f"claims demo: bank batch {batch.file_name} ({batch.count} payments, {batch.total}); "
        f"return file: {r.confirmed} confirmed, {r.returned} returned to reissue\n"
    )
