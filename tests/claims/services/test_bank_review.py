"""Review of the bank's rules (ADR 0016): a returned payment's reissue counts as paid (no
double payment); only the layout's ``returned`` codes return a payment; a new account needs a
new approval and must be one of the claim's payees; nobody verifies the account they entered;
a return file imported again retries its failed lines; a return restarts the payment clock;
the batch file is stored encrypted and each download is audited."""

from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied

from carecircle.claims import services
from carecircle.claims.models import Claim, ClaimPayment, PaymentBatch, PaymentPayee
from carecircle.claims.services import bank, payees
from carecircle.claims.services import payment as payments
from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog
from carecircle.core.roles import Role
from tests.claims.bank_support import insured_account, return_file, verifier
from tests.claims.services.test_workflow import approved_claim, report, walk_to_adjusted
from tests.factories import UserFactory
from tests.factories.claims import policy_with_cover, staff
from tests.unit_tree import build_tree

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return staff()


def _import(user, *lines, name="r.csv"):
    return bank.import_returns(return_file(*lines), file_name=name, acting_user=user)


def test_a_reissued_advance_counts_so_the_settlement_pays_only_the_difference(today, people):
    handler, approver = people["handler"], people["approver"]
    claim = walk_to_adjusted(
        report(policy_with_cover(), handler, customer_estimate="30000"), handler, parts="3000"
    )
    first = insured_account(claim, handler)
    advance = payments.pay_advance(claim, "1000", acting_user=approver, account=first)
    bank.export_batch(acting_user=handler)
    _import(handler, (advance, "F", "R03", "户名不符"))
    second = insured_account(claim, handler, number="6222021202000088888")
    payments.reissue(ClaimPayment.objects.get(pk=advance.pk), account=second, acting_user=handler)
    services.approve(claim, acting_user=approver)
    claim = Claim.objects.get(pk=claim.pk)
    settlement = services.pay(claim, acting_user=handler, account=second)
    # 6,000 agreed − the 1,000 advance (reissued, live) = 5,000: not 6,000 again.
    assert settlement.amount == claim.amount_approved - D("1000.00") == D("5000.00")


def test_only_a_returned_code_returns_a_payment_any_other_status_changes_nothing(today, people):
    handler = people["handler"]
    claim = approved_claim(people)
    p = services.pay(claim, acting_user=handler, account=insured_account(claim, handler))
    bank.export_batch(acting_user=handler)
    for n, status in enumerate(["", "processing", "P", "X42"]):
        result = _import(handler, (p, status, "", ""), name=f"p{n}.csv")
        assert [e["line"] for e in result.record.errors] == [2]
        assert (result.record.confirmed, result.record.returned) == (0, 0)
        assert ClaimPayment.objects.get(pk=p.pk).status == "sent"
    assert _import(handler, (p, "F", "R03", "户名不符")).record.returned == 1
    assert ClaimPayment.objects.get(pk=p.pk).status == "returned"


def test_changing_an_approved_payments_account_needs_approval_again(today, people):
    handler = people["handler"]
    claim = approved_claim(people, parts="9000")  # 12,000: above the second-approval line
    first = insured_account(claim, handler)
    p = services.pay(claim, acting_user=handler, account=first)
    assert p.amount == D("12000.00") and p.status == "created"
    payments.approve_payment(p, acting_user=people["manager"])
    assert ClaimPayment.objects.get(pk=p.pk).status == "approved"
    other = insured_account(claim, handler, number="6222021202000077777")
    p = payments.attach_account(ClaimPayment.objects.get(pk=p.pk), other, acting_user=handler)
    assert (p.status, p.approved_by, p.account) == ("created", None, other)


def test_a_payment_goes_only_to_an_account_of_this_claims_payees(today, people):
    handler = people["handler"]
    claim, elsewhere = approved_claim(people), approved_claim(people)
    theirs = payees.add_account(
        payees.payee_for(elsewhere, "third_party", acting_user=handler, name="李四",
                         id_number="330106198503150417"),
        number="6217001540099999999", holder_name="李四", bank_name="建行", acting_user=handler,
    )  # fmt: skip
    with pytest.raises(DomainError, match="not one of this claim's payees"):
        services.pay(claim, acting_user=handler, account=theirs)
    p = services.pay(claim, acting_user=handler)
    with pytest.raises(DomainError, match="not one of this claim's payees"):
        payments.attach_account(p, theirs, acting_user=handler)
    assert ClaimPayment.objects.get(pk=p.pk).account is None


def test_nobody_verifies_by_call_back_the_account_they_entered(today, people):
    handler = people["handler"]
    claim = approved_claim(people)
    payee = payees.payee_for(claim, "customer", acting_user=handler)
    account = payees.add_account(
        payee, number="6222021202000066666", holder_name=payee.name, bank_name="中国银行",
        acting_user=handler,
    )  # fmt: skip
    with pytest.raises(PermissionDenied):
        payees.record_callback(account, acting_user=handler, note="我自己打的 / I called")
    account.refresh_from_db()
    assert (account.status, account.verified_by) == ("unverified", None)
    colleague = verifier(handler)
    payees.record_callback(account, acting_user=colleague, note="同事回访 / a colleague called")
    account.refresh_from_db()
    assert (account.status, account.verified_by) == ("verified", colleague)


def test_a_return_file_imported_again_retries_the_lines_that_failed(today, people):
    handler = people["handler"]
    a, b = approved_claim(people), approved_claim(people, parts="2000")
    pa = services.pay(a, acting_user=handler, account=insured_account(a, handler))
    bank.export_batch(acting_user=handler)
    pb = services.pay(b, acting_user=handler, account=insured_account(b, handler))
    content = return_file((pa, "S", "", ""), (pb, "S", "", ""))
    first = bank.import_returns(content, file_name="ret.csv", acting_user=handler)
    assert (first.record.confirmed, [e["line"] for e in first.record.errors]) == (1, [3])
    bank.export_batch(acting_user=handler)  # pb leaves only now
    again = bank.import_returns(content, file_name="ret.csv", acting_user=handler)
    assert again.already and again.record.pk == first.record.pk
    assert again.outcomes == ["unchanged", "confirmed"]
    assert (again.record.confirmed, again.record.errors) == (2, [])
    assert ClaimPayment.objects.get(pk=pa.pk).status == "confirmed"
    assert ClaimPayment.objects.get(pk=pb.pk).status == "confirmed"


def test_a_returned_settlement_restarts_the_payment_clock_until_the_reissue_leaves(today, people):
    handler = people["handler"]
    claim = approved_claim(people)
    p = services.pay(claim, acting_user=handler, account=insured_account(claim, handler))
    bank.export_batch(acting_user=handler)
    assert Claim.objects.get(pk=claim.pk).payment_sent_at is not None
    _import(handler, (p, "F", "R03", "户名不符"))
    assert Claim.objects.get(pk=claim.pk).payment_sent_at is None  # nothing is paid: runs
    fresh = insured_account(claim, handler, number="6222021202000055555")
    again = payments.reissue(ClaimPayment.objects.get(pk=p.pk), account=fresh, acting_user=handler)
    bank.export_batch(acting_user=handler)
    sent = Claim.objects.get(pk=claim.pk).payment_sent_at
    assert sent is not None and sent == ClaimPayment.objects.get(pk=again.pk).sent_at


def test_two_payments_of_one_claim_in_one_file_keep_the_dispatch_time(today, people):
    handler, approver = people["handler"], people["approver"]
    claim = walk_to_adjusted(
        report(policy_with_cover(), handler, customer_estimate="30000"), handler, parts="3000"
    )
    account = insured_account(claim, handler)
    services.approve(claim, acting_user=approver)
    final = services.pay(Claim.objects.get(pk=claim.pk), acting_user=handler, account=account)
    # an advance made later (pk after the settlement) on the same claim, in the same file
    advance = ClaimPayment.objects.create(
        claim=claim, kind="advance", amount=D("1.00"), payee="customer", account=account,
        status="approved", round=0, created_at=final.created_at, idempotency_key="adv-x",
    )  # fmt: skip
    batch = bank.export_batch(acting_user=handler)
    assert batch.count == 2 and advance.pk > final.pk
    assert Claim.objects.get(pk=claim.pk).payment_sent_at == batch.created_at


def test_the_batch_file_is_stored_encrypted_and_each_download_audited(today, people, client):
    handler = people["handler"]
    claim = approved_claim(people)
    services.pay(claim, acting_user=handler, account=insured_account(claim, handler))
    batch = bank.export_batch(acting_user=handler)
    stored = bytes(PaymentBatch.objects.get(pk=batch.pk).content)
    assert b"6222021202000099999" not in stored
    assert "6222021202000099999" in batch.file_bytes().decode()
    client.force_login(handler)
    got = client.get(f"/claims/bank/batches/{batch.pk}/")
    assert got.status_code == 200 and b"6222021202000099999" in got.content
    assert (
        AuditLog.objects.filter(
            actor=handler, action="reveal_pii", summary__contains="downloaded"
        ).count()
        == 1
    )


def test_the_insureds_payee_is_reached_through_any_claim_the_handler_may_change(today, people):
    tree = build_tree()
    handler = people["handler"]  # head office
    first, later = approved_claim(people), approved_claim(people)
    Claim.objects.filter(pk=later.pk).update(policy=first.policy, unit=tree.b1)
    later = Claim.objects.get(pk=later.pk)
    payee = payees.payee_for(first, "customer", acting_user=handler)
    PaymentPayee.objects.filter(pk=payee.pk).update(unit=tree.a1)  # first claim's unit
    city_b = UserFactory(username="h-b", role=Role.CLAIMS_HANDLER, unit=tree.city_b)
    assert list(payments.payees_for_claim(later, city_b)) == [payee]
    account = payees.add_account(
        payee, number="6222021202000044444", holder_name=payee.name, bank_name="中国银行",
        acting_user=city_b, claim=later,
    )  # fmt: skip
    p = services.pay(later, acting_user=city_b, account=account)
    assert (p.account, p.payee) == (account, "customer")
    # without a claim of theirs the payee stays out of reach
    with pytest.raises(PermissionDenied):
        payees.add_account(
            payee, number="6222021202000033333", holder_name=payee.name, bank_name="中国银行",
            acting_user=city_b,
        )  # fmt: skip
