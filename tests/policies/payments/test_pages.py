"""The customer's payment link and the simulator's pay page (no login: the token is the key)."""

from __future__ import annotations

import pytest

from carecircle.core import clock
from carecircle.policies.models import Policy, ProposalStatus
from carecircle.policies.payments import simulator
from carecircle.policies.proposals import cancel_proposal
from tests.policies.proposal_setup import NOW, offer, old_policies

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposal():
    with clock.frozen_at(NOW):
        commercial, compulsory = old_policies()
        yield offer(commercial, compulsory)


def test_the_link_shows_premium_tax_and_total_apart_and_pays_through_the_simulator(
    client, proposal, monkeypatch
):
    # The simulator posts its notification over HTTP; here through the test client.
    delivered = []

    def through_client(url, body, headers):
        response = client.post(
            url.replace("http://testserver", ""),
            data=body,
            content_type="application/json",
            headers=headers,
        )
        delivered.append(response.status_code)
        return response.status_code

    monkeypatch.setattr(simulator, "deliver", through_client)
    with clock.frozen_at(NOW):
        page = client.get(f"/pay/{proposal.pay_token}/")
        assert page.status_code == 200
        text = page.content.decode()
        assert "¥2,955.00" in text and "¥360.00" in text and "¥3,315.00" in text
        started = client.post(f"/pay/{proposal.pay_token}/")
        assert started.status_code == 302 and started.url.startswith("/pay/simulator/PAY")
        bank = client.get(started.url)
        assert "¥3,315.00" in bank.content.decode()
        paid = client.post(started.url)
        assert paid.url == f"/pay/{proposal.pay_token}/done/"
        done = client.get(paid.url)
    assert delivered == [200]
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ISSUED
    new = Policy.objects.get(renews__kind="commercial", renews__isnull=False)
    assert new.policy_no in done.content.decode()
    # the commercial policy carries roadside rescue: its vouchers follow, and the page says so
    assert "服务权益已发放" in done.content.decode()


def test_a_compulsory_only_issue_promises_no_services(client):
    """交强险 has no service riders: the done page does not say services were issued."""
    from carecircle.policies.proposals import issue

    with clock.frozen_at(NOW):
        _commercial, compulsory = old_policies()
        alone = offer(None, compulsory, key="alone")
        alone.status = ProposalStatus.PAID
        alone.save(update_fields=["status"])
        issue(alone, NOW)
        text = client.get(f"/pay/{alone.pay_token}/done/").content.decode()
    assert "保单已出单" in text and "服务权益已发放" not in text


def test_an_unknown_token_is_not_found(client):
    assert client.get("/pay/not-a-token/").status_code == 404


def test_a_cancelled_offer_shows_its_state_and_refuses_payment(client, proposal):
    cancel_proposal(proposal, acting_user=None)
    with clock.frozen_at(NOW):
        page = client.get(f"/pay/{proposal.pay_token}/")
        refused = client.post(f"/pay/{proposal.pay_token}/")
    assert 'id="pay-button"' not in page.content.decode()
    assert refused.status_code == 409
