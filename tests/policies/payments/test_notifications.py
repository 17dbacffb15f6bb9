"""The gateway's notification endpoint: only a notification signed with our secret, with a
timestamp inside the replay window, for the right amount, marks a proposal paid; anything else
is refused with a 4xx and nothing is issued."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json

import pytest
from django.urls import reverse

from carecircle.core import clock
from carecircle.policies.models import PaymentStatus, Policy, ProposalStatus
from carecircle.policies.payments import signing
from carecircle.policies.payments.services import start_payment
from carecircle.policies.payments.simulator import SimulatorGateway
from tests.policies.proposal_setup import NOW, offer, old_policies

pytestmark = pytest.mark.django_db
URL = "/pay/notify/simulator/"


@pytest.fixture
def order():
    with clock.frozen_at(NOW):
        commercial, compulsory = old_policies()
        yield start_payment(offer(commercial, compulsory))


def post(client, body: bytes, headers: dict[str, str]):
    return client.post(
        URL,
        data=body,
        content_type="application/json",
        headers=headers,
    )


def nothing_issued(order) -> bool:
    order.refresh_from_db()
    order.proposal.refresh_from_db()
    return (
        order.status == PaymentStatus.CREATED
        and order.proposal.status == ProposalStatus.AWAITING_PAYMENT
        and not Policy.objects.filter(renews__isnull=False).exists()
    )


def test_a_signed_current_notification_marks_the_proposal_paid_and_issues(client, order):
    assert reverse("policies:notify", args=["simulator"]) == URL
    with clock.frozen_at(NOW):
        body, headers = SimulatorGateway().notification(order.reference, order.amount)
        response = post(client, body, headers)
        again = post(client, body, headers)  # the gateway retries: answered 200, no change
    assert (response.status_code, response.json()) == (200, {"ok": True, "outcome": "issued"})
    assert (again.status_code, again.json()["outcome"]) == (200, "duplicate")
    order.proposal.refresh_from_db()
    assert order.proposal.status == ProposalStatus.ISSUED
    assert Policy.objects.filter(renews__isnull=False).count() == 2


def test_a_bad_signature_is_refused_and_nothing_is_issued(client, order):
    with clock.frozen_at(NOW):
        body, headers = SimulatorGateway().notification(order.reference, order.amount)
        forged = {**headers, signing.SIGNATURE_HEADER: signing.signature(b"guess", 1, body)}
        response = post(client, body, forged)
    assert (response.status_code, response.json()["code"]) == (400, "bad_signature")
    assert nothing_issued(order)


def test_a_body_changed_after_signing_is_refused(client, order):
    with clock.frozen_at(NOW):
        body, headers = SimulatorGateway().notification(order.reference, order.amount)
        changed = json.loads(body)
        changed["amount"] = "0.01"
        response = post(client, json.dumps(changed, sort_keys=True).encode(), headers)
    assert (response.status_code, response.json()["code"]) == (400, "bad_signature")
    assert nothing_issued(order)


def test_a_replayed_notification_with_an_old_timestamp_is_refused(client, order):
    with clock.frozen_at(NOW):
        body, headers = SimulatorGateway().notification(order.reference, order.amount)
    # Replayed 6 minutes later: outside the 300-second window, even though correctly signed.
    with clock.frozen_at(NOW + dt.timedelta(minutes=6)):
        response = post(client, body, headers)
    assert (response.status_code, response.json()["code"]) == (400, "stale")
    assert nothing_issued(order)


def test_no_signature_headers_at_all_is_refused(client, order):
    with clock.frozen_at(NOW):
        body, _ = SimulatorGateway().notification(order.reference, order.amount)
        response = post(client, body, {})
    assert response.status_code == 400
    assert nothing_issued(order)


def test_a_signed_notification_for_the_wrong_amount_is_refused(client, order):
    with clock.frozen_at(NOW):
        body, headers = SimulatorGateway().notification(order.reference, order.amount - 1)
        response = post(client, body, headers)
    assert (response.status_code, response.json()["code"]) == (400, "amount_mismatch")
    assert nothing_issued(order)


def test_a_notification_for_another_gateway_is_not_found(client, order):
    with clock.frozen_at(NOW):
        body, headers = SimulatorGateway().notification(order.reference, order.amount)
        response = client.post(
            "/pay/notify/wechat/", data=body, content_type="application/json", headers=headers
        )
    assert response.status_code == 404
    assert nothing_issued(order)


def test_the_signature_is_hmac_sha256_over_timestamp_dot_body():
    expected = hmac.new(b"secret", b"1700000000.{}", hashlib.sha256).hexdigest()
    assert signing.signature(b"secret", 1700000000, b"{}") == "v1=" + expected
