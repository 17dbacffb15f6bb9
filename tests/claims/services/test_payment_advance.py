"""先予支付 (Insurance Law Art 25): while the amount is still being decided an approver can pay
the part already certain — exactly once per submitted page, never by a handler, never after
the decision — and it counts in what the claim has paid once the bank confirms it."""

from decimal import Decimal as D

import pytest

from carecircle.claims.models import ClaimPayment
from tests.claims.bank_support import send_and_confirm
from tests.claims.services.test_workflow import report, walk_to_adjusted
from tests.factories.claims import policy_with_cover, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return staff()


@pytest.fixture
def adjusted(today, people):
    claim = walk_to_adjusted(
        report(policy_with_cover(), people["handler"], customer_estimate="30000"), people["handler"]
    )
    return claim


def test_an_approver_pays_the_certain_part_once_from_the_claim_page(client, adjusted, people):
    client.force_login(people["approver"])
    page = client.get(f"/claims/{adjusted.pk}/").content.decode()
    key = f"web:{adjusted.pk}:advance:0:1"
    assert 'data-action="advance_payment"' in page and key in page
    form = {"action": "advance_payment", "amount": "10000", "key": key}
    first = client.post(f"/claims/{adjusted.pk}/act/", form)
    again = client.post(f"/claims/{adjusted.pk}/act/", form)  # the same page submitted twice
    assert (first.status_code, again.status_code) == (302, 302)
    payments = ClaimPayment.objects.filter(claim=adjusted)
    assert [(p.kind, p.amount, p.idempotency_key) for p in payments] == [
        ("advance", D("10000.00"), key)
    ]
    adjusted.refresh_from_db()
    # Instructed, not yet paid: it counts in what the claim has paid when the bank confirms.
    assert adjusted.amount_paid == D("0.00") and adjusted.status == "adjusted"
    assert adjusted.transitions.filter(action="advance_payment").count() == 1
    send_and_confirm(payments[0], people["handler"])
    adjusted.refresh_from_db()
    assert adjusted.amount_paid == D("10000.00") and adjusted.status == "adjusted"
    # The page drawn after it offers the next advance under a new key.
    assert (
        f"web:{adjusted.pk}:advance:0:2" in client.get(f"/claims/{adjusted.pk}/").content.decode()
    )


def test_a_handler_cannot_pay_in_advance_and_an_amount_must_be_positive(client, adjusted, people):
    client.force_login(people["handler"])
    assert (
        'data-action="advance_payment"'
        not in client.get(f"/claims/{adjusted.pk}/").content.decode()
    )
    refused = client.post(
        f"/claims/{adjusted.pk}/act/", {"action": "advance_payment", "amount": "10000", "key": "k1"}
    )
    assert refused.status_code == 400
    client.force_login(people["approver"])
    zero = client.post(
        f"/claims/{adjusted.pk}/act/", {"action": "advance_payment", "amount": "0", "key": "k2"}
    )
    assert zero.status_code == 400 and "the amount must be above 0" in zero.content.decode()
    assert not ClaimPayment.objects.filter(claim=adjusted).exists()
