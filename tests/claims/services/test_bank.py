"""Payees and the bank (ADR 0016): a payment goes created → approved → sent in a batch file →
confirmed | returned; the claim is paid only on confirmation; the payment clock counts to
dispatch; the bank's return file imported twice changes nothing; a returned payment reopens the
payment task, tells the handler and is reissued once to a corrected account."""

from decimal import Decimal as D

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import override_settings

from carecircle.claims import services
from carecircle.claims.choices import Action, ClaimStatus
from carecircle.claims.models import (
    BankAccount,
    BankReturnImport,
    Claim,
    ClaimFlag,
    ClaimPayment,
    ClaimTransition,
    PaymentBatch,
    ReserveMovement,
)
from carecircle.claims.services import bank, payees
from carecircle.claims.services import payment as payments
from carecircle.claims.services.clocks import reevaluate_open_claims
from carecircle.core import clock
from carecircle.core.errors import DomainError
from tests.claims.bank_support import insured_account, return_file, send_and_confirm, verifier
from tests.claims.services.test_workflow import approved_claim, report, walk_to_adjusted
from tests.factories import UserFactory
from tests.factories.claims import at, policy_with_cover, staff

pytestmark = pytest.mark.django_db
S = ClaimStatus


@pytest.fixture
def people():
    return staff()


def third_party_account(claim, user, number="6217001540012345678", verify=True):
    payee = payees.payee_for(
        claim, "third_party", acting_user=user, name="王建国", id_number="330106198503150417"
    )
    account = payees.add_account(
        payee,
        number=number,
        holder_name="王建国",
        bank_name="中国建设银行杭州分行",
        branch_code="105331000019",
        acting_user=user,
    )
    if verify:
        payees.record_callback(
            account, acting_user=verifier(user), note="致电第三者核对 / called back"
        )
        account.refresh_from_db()
    return account


def import_lines(user, *lines, name="r.csv"):
    return bank.import_returns(return_file(*lines), file_name=name, acting_user=user)


# ---- the lifecycle ----------------------------------------------------------------------------


def test_making_the_payment_does_not_pay_the_claim_the_banks_confirmation_does(today, people):
    handler = people["handler"]
    claim = approved_claim(people)  # 6,000
    account = third_party_account(claim, handler)
    p = services.pay(claim, acting_user=handler, account=account)
    assert (p.status, p.payee, p.approved_by) == ("approved", "third_party", handler)
    claim.refresh_from_db()
    assert (claim.status, claim.amount_paid, claim.paid_at) == (S.APPROVED, D("0.00"), None)
    batch = bank.export_batch(acting_user=handler)
    p.refresh_from_db()
    assert (p.status, p.batch, batch.count, batch.total) == ("sent", batch, 1, D("6000.00"))
    claim.refresh_from_db()
    assert (claim.status, claim.amount_paid) == (S.APPROVED, D("0.00"))
    with clock.frozen_at(at(4, 15)):
        import_lines(handler, (p, "S", "", ""))
    p.refresh_from_db()
    claim.refresh_from_db()
    assert p.status == "confirmed" and p.gateway_ref == f"B{p.pk}"
    assert (claim.status, claim.amount_paid, claim.paid_at) == (
        S.PAID,
        D("6000.00"),
        p.confirmed_at,
    )
    steps = list(claim.transitions.values_list("action", flat=True))
    assert steps[-3:] == ["payment_created", "payment_sent", "pay"]
    # The reserve helper's contract: the confirmation took the payment off the case reserve.
    assert ReserveMovement.objects.filter(payment=p, kind="payment").exists() or (
        claim.amount_reserved == 0
    )


def test_a_large_payment_waits_for_a_second_person_within_their_authority(today, people):
    handler, approver, manager = people["handler"], people["approver"], people["manager"]
    claim = walk_to_adjusted(report(policy_with_cover(), handler), handler, parts="60000")
    services.approve(claim, acting_user=manager)  # 63,000: above the 10,000 line
    p = services.pay(claim, acting_user=handler, account=insured_account(claim, handler))
    assert p.status == "created"
    with pytest.raises(DomainError) as e:  # nothing to send yet
        bank.export_batch(acting_user=handler)
    assert e.value.code == "nothing_to_send"
    with pytest.raises(PermissionDenied):
        payments.approve_payment(p, acting_user=handler)  # a handler does not release
    with pytest.raises(DomainError) as e:
        payments.approve_payment(p, acting_user=approver)  # 63,000 > the approver's 50,000
    assert e.value.code == "above_authority"
    own = services.pay(claim, acting_user=manager)  # the same payment (one per round)
    assert own.pk == p.pk
    payments.approve_payment(p, acting_user=manager)
    p.refresh_from_db()
    assert (p.status, p.approved_by) == ("approved", manager)
    assert ClaimTransition.objects.filter(claim=claim, action="payment_approved").count() == 1


def test_nobody_releases_the_payment_they_made(today, people):
    manager = people["manager"]
    claim = approved_claim(people, parts="20000")
    p = services.pay(claim, acting_user=manager, account=insured_account(claim, manager))
    assert p.status == "created"
    with pytest.raises(PermissionDenied):
        payments.approve_payment(p, acting_user=manager)
    payments.approve_payment(p, acting_user=UserFactory(username="m2", role="manager"))
    assert ClaimPayment.objects.get(pk=p.pk).status == "approved"


@pytest.mark.parametrize(
    ("rule", "outcome"), [("allow", "approved"), ("approver", "created"), ("refuse", None)]
)
def test_the_setting_decides_whether_an_unverified_account_may_be_paid(
    today, people, rule, outcome
):
    handler = people["handler"]
    claim = approved_claim(people)
    account = third_party_account(claim, handler, verify=False)
    assert account.status == "unverified"
    with override_settings(CARECIRCLE={"CLAIMS_BANK": {"UNVERIFIED_ACCOUNTS": rule}}):
        if outcome is None:
            with pytest.raises(DomainError) as e:
                services.pay(claim, acting_user=handler, account=account)
            assert e.value.code == "account_unverified"
            assert not ClaimPayment.objects.filter(claim=claim).exists()
        else:
            assert services.pay(claim, acting_user=handler, account=account).status == outcome


# ---- the payment clock counts to dispatch -----------------------------------------------------


def test_the_payment_clock_stops_when_the_payment_leaves_not_when_the_bank_confirms(today, people):
    handler = people["handler"]
    claim = approved_claim(people)
    claim = services.transition(
        claim, Action.ACCEPT_OFFER, acting_user=handler, data={"via": "phone_call"}
    )
    assert claim.due_clock == "payment"
    p = services.pay(claim, acting_user=handler, account=insured_account(claim, handler))
    claim.refresh_from_db()
    assert (claim.due_clock, claim.payment_sent_at) == ("payment", None)  # instructed: runs
    bank.export_batch(acting_user=handler)
    claim.refresh_from_db()
    assert claim.status == S.APPROVED  # not paid yet …
    assert (claim.due_clock, claim.due_on, claim.clock_state) == ("", None, "")  # … clock stopped
    assert claim.payment_sent_at == ClaimPayment.objects.get(pk=p.pk).sent_at
    # The nightly run agrees, days later, while the bank has not answered.
    with clock.frozen_at(at(25)):
        reevaluate_open_claims()
    claim.refresh_from_db()
    assert (claim.due_clock, claim.clock_state) == ("", "")


def test_a_payment_not_sent_keeps_the_clock_running_into_breach(today, people):
    handler = people["handler"]
    claim = approved_claim(people)
    services.transition(claim, Action.ACCEPT_OFFER, acting_user=handler, data={"via": "phone_call"})
    services.pay(claim, acting_user=handler)  # no account yet: cannot leave
    with clock.frozen_at(at(25)):
        reevaluate_open_claims()
    claim.refresh_from_db()
    assert (claim.due_clock, claim.clock_state) == ("payment", "breached")


# ---- the account ------------------------------------------------------------------------------


def test_the_account_number_is_stored_encrypted_and_shown_masked(today, people, client):
    handler = people["handler"]
    claim = approved_claim(people)
    account = third_party_account(claim, handler, number="6217 0015 4001 2345 678")
    row = BankAccount.objects.get(pk=account.pk)
    assert row.number_masked == "6217 **** **** 5678"
    assert row.number() == "6217001540012345678"
    assert "6217001540012345678" not in row.number_encrypted
    with connection.cursor() as cur:
        cur.execute("SELECT * FROM claims_bankaccount")
        assert "6217001540012345678" not in repr(cur.fetchall())
    assert row.payee.id_number_masked == "330106********0417"
    client.force_login(handler)
    page = client.get(f"/claims/{claim.pk}/").content.decode()
    assert "6217 **** **** 5678" in page and "6217001540012345678" not in page
    # Only the batch file carries the full number, for the bank.
    services.pay(claim, acting_user=handler, account=account)
    batch = bank.export_batch(acting_user=handler)
    assert "6217001540012345678" in batch.file_bytes().decode()


def test_a_confirmation_amount_verifies_the_account_and_wrong_guesses_run_out(today, people):
    handler = people["handler"]
    claim = approved_claim(people)
    account = third_party_account(claim, handler, verify=False)
    sent = payees.send_confirmation_amount(account, acting_user=handler)
    assert D("0.01") <= sent <= D("0.99")
    wrong = D("1.00")
    for _ in range(3):
        with pytest.raises(DomainError) as e:
            payees.confirm_amount(account, str(wrong), acting_user=handler)
        assert e.value.code == "wrong_amount"
    with pytest.raises(DomainError) as e:
        payees.confirm_amount(account, str(sent), acting_user=handler)
    assert e.value.code == "too_many"
    payees.send_confirmation_amount(account, acting_user=handler)  # a new amount, new tries
    account.refresh_from_db()
    assert account.status == "pending" and not account.verified


def test_the_right_confirmation_amount_verifies_with_who_and_when(today, people):
    handler = people["handler"]
    claim = approved_claim(people)
    account = third_party_account(claim, handler, verify=False)
    sent = payees.send_confirmation_amount(account, acting_user=handler)
    payees.confirm_amount(account, str(sent), acting_user=handler)
    account.refresh_from_db()
    assert (account.status, account.verification_method, account.verified_by) == (
        "verified",
        "amount",
        handler,
    )
    assert account.verified_at is not None and account.confirm_amount_hash == ""


def test_a_partner_sees_only_its_own_shops_payee_and_accounts(today, people):
    from tests.factories.claims import shop

    handler = people["handler"]
    mine, other = shop(), shop()
    claim = approved_claim(people)
    Claim.objects.filter(pk=claim.pk).update(repair_shop=mine)
    claim.refresh_from_db()
    own = insured_account(claim, handler, kind="shop")
    Claim.objects.filter(pk=claim.pk).update(repair_shop=other)
    claim.refresh_from_db()
    theirs = insured_account(claim, handler, number="6222000000000000001", kind="shop")
    third = third_party_account(claim, handler)
    partner_user = UserFactory(username="shopuser", role="partner_user", partner=mine)
    seen = set(BankAccount.objects.restrict(partner_user).values_list("pk", flat=True))
    assert seen == {own.pk}
    assert theirs.pk not in seen and third.pk not in seen
    seat = UserFactory(username="seat9", role="seat")
    assert not BankAccount.objects.restrict(seat).exists()


# ---- the return file --------------------------------------------------------------------------


def snapshot():
    return (
        list(ClaimPayment.objects.order_by("pk").values_list("pk", "status", "returned_at")),
        list(Claim.objects.order_by("pk").values_list("pk", "status", "amount_paid")),
        ClaimTransition.objects.count(),
        ReserveMovement.objects.count(),
        ClaimFlag.objects.count(),
    )


def test_importing_the_same_return_file_twice_changes_nothing(today, people):
    handler = people["handler"]
    a, b = approved_claim(people), approved_claim(people, parts="2000")
    pa = services.pay(a, acting_user=handler, account=insured_account(a, handler))
    pb = services.pay(b, acting_user=handler, account=third_party_account(b, handler))
    bank.export_batch(acting_user=handler)
    content = return_file((pa, "S", "", ""), (pb, "F", "R03", "户名不符"))
    first = bank.import_returns(content, file_name="ret.csv", acting_user=handler)
    assert (first.already, first.record.confirmed, first.record.returned) == (False, 1, 1)
    before = snapshot()
    again = bank.import_returns(content, file_name="ret-copy.csv", acting_user=handler)
    assert again.already and again.record.pk == first.record.pk
    assert snapshot() == before
    assert BankReturnImport.objects.count() == 1
    # Another file with the same lines (the bank resent it with a new line ending): each line
    # is idempotent on its own — nothing changes either.
    other = bank.import_returns(content + b"\r\n", file_name="ret2.csv", acting_user=handler)
    assert (other.already, other.record.unchanged, other.record.errors) == (False, 2, [])
    assert snapshot() == before


def test_a_return_reopens_the_payment_task_and_tells_the_handler(today, people):
    handler = people["handler"]
    handler.email = "handler1@example.com"
    handler.save()
    claim = approved_claim(people)
    Claim.objects.filter(pk=claim.pk).update(handler=handler)
    p = services.pay(claim, acting_user=handler, account=third_party_account(claim, handler))
    bank.export_batch(acting_user=handler)
    from tests.factories.claims import committed

    with committed():
        import_lines(handler, (p, "F", "R03", "户名与账号不符"))
    p.refresh_from_db()
    assert (p.status, p.return_code, p.return_reason) == ("returned", "R03", "R03 户名与账号不符")
    flag = ClaimFlag.objects.get(claim=claim, code="payment_returned")
    assert flag.status == "open" and "R03 户名与账号不符" in flag.reason
    assert [m.to for m in mail.outbox] == [["handler1@example.com"]]
    assert "R03 户名与账号不符" in mail.outbox[0].body
    claim.refresh_from_db()
    assert (claim.status, claim.amount_paid) == (S.APPROVED, D("0.00"))
    assert ClaimTransition.objects.get(claim=claim, action="payment_returned").reason == (
        "R03 户名与账号不符"
    )


def test_the_handler_reissues_to_a_corrected_account_and_the_claim_is_paid_once(today, people):
    handler = people["handler"]
    claim = approved_claim(people)
    wrong = third_party_account(claim, handler)
    p = services.pay(claim, acting_user=handler, account=wrong)
    bank.export_batch(acting_user=handler)
    import_lines(handler, (p, "F", "R03", "户名不符"))
    p.refresh_from_db()
    right = third_party_account(claim, handler, number="6217001540012345999")
    again = payments.reissue(p, account=right, acting_user=handler, reason="更正账号")
    assert payments.reissue(p, account=right, acting_user=handler).pk == again.pk  # once
    assert (again.reissue_of, again.amount, again.account, again.status) == (
        p,
        D("6000.00"),
        right,
        "approved",
    )
    assert not BankAccount.objects.get(pk=wrong.pk).active
    assert ClaimFlag.objects.get(claim=claim, code="payment_returned").status == "cleared"
    # the one-settlement rule still holds: a new pay() returns the original
    assert services.pay(claim, acting_user=handler).pk == p.pk
    send_and_confirm(again, handler)
    claim.refresh_from_db()
    assert (claim.status, claim.amount_paid) == (S.PAID, D("6000.00"))
    assert ClaimTransition.objects.filter(claim=claim, action="pay").count() == 1
    with pytest.raises(DomainError):  # a payment not returned is not reissued
        payments.reissue(again, account=right, acting_user=handler)


def test_a_confirmed_payment_returned_later_counts_back_out_and_reopens_the_claim(today, people):
    handler = people["handler"]
    claim = approved_claim(people)
    p = send_and_confirm(
        services.pay(claim, acting_user=handler, account=insured_account(claim, handler)), handler
    )
    assert Claim.objects.get(pk=claim.pk).status == S.PAID
    with clock.frozen_at(at(5, 9)):
        import_lines(handler, (p, "F", "R07", "账户已销户"), name="late.csv")
    p.refresh_from_db()
    claim.refresh_from_db()
    assert p.confirmed_at is not None and p.returned_at is not None
    assert (claim.status, claim.amount_paid, claim.paid_at) == (S.APPROVED, D("0.00"), None)
    assert ReserveMovement.objects.filter(payment=p, kind="return").count() == (
        ReserveMovement.objects.filter(payment=p, kind="payment").count()
    )


def test_lines_that_cannot_apply_are_reported_and_change_nothing(today, people):
    handler = people["handler"]
    claim = approved_claim(people)
    p = services.pay(claim, acting_user=handler, account=insured_account(claim, handler))
    content = (
        "reference,status,amount,bank_ref,reason_code,reason_text\r\n"
        f"{bank.reference(p)},S,6000.00,B1,,\r\n"  # not sent yet
        "CP9999999999,S,1.00,B2,,\r\n"  # nobody's
        "garbage,S,1.00,,,\r\n"
    ).encode()
    result = bank.import_returns(content, file_name="bad.csv", acting_user=handler)
    assert [e["line"] for e in result.record.errors] == [2, 3, 4]
    assert ClaimPayment.objects.get(pk=p.pk).status == "approved"
    bank.export_batch(acting_user=handler)
    wrong_amount = return_file((p, "S", "", "")).replace(b"6000.00", b"600.00")
    result = bank.import_returns(wrong_amount, file_name="amt.csv", acting_user=handler)
    assert "does not match" in result.record.errors[0]["error"]
    assert ClaimPayment.objects.get(pk=p.pk).status == "sent"


# ---- the batch layout -------------------------------------------------------------------------


def test_a_bank_layout_sets_columns_order_encoding_header_and_date(today, people):
    handler = people["handler"]
    claim = approved_claim(people)
    services.pay(claim, acting_user=handler, account=third_party_account(claim, handler))
    batch = bank.export_batch(acting_user=handler, bank_code="icbc")
    text = batch.file_bytes().decode("gbk")
    p = ClaimPayment.objects.get(claim=claim)
    assert (batch.bank_code, batch.encoding) == ("ICBC", "gbk")
    assert text == (
        f"1,6217001540012345678,王建国,6000.00,105331000019,中国建设银行杭州分行,"
        f"赔款 {claim.claim_no},{bank.reference(p)},20260302\r\n"
    )
    import hashlib

    assert batch.file_hash == hashlib.sha256(batch.file_bytes()).hexdigest()
    assert PaymentBatch.objects.get().created_by == handler


def test_the_default_layout_has_a_header_and_utf8(today, people):
    handler = people["handler"]
    claim = approved_claim(people)
    services.pay(claim, acting_user=handler, account=third_party_account(claim, handler))
    text = bank.export_batch(acting_user=handler).file_bytes().decode("utf-8")
    header, line = text.splitlines()
    assert header == (
        "reference,account_number,holder_name,bank_name,branch_code,amount,currency,purpose,date"
    )
    assert line.endswith(f",6000.00,CNY,赔款 {claim.claim_no},2026-03-02")


def test_the_recovery_sweep_pays_only_claims_without_a_settlement(today, people):
    claim = approved_claim(people)
    assert services.settle_approved() == 1
    assert services.settle_approved() == 0  # the payment waits for the bank: not swept again
    assert ClaimPayment.objects.filter(claim=claim).count() == 1
