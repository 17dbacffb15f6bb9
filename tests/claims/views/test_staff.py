"""Staff pages render with the figures the rules produce; access is enforced."""

import datetime as dt

import pytest

from carecircle.claims import services
from carecircle.claims.choices import Action
from carecircle.claims.models import Claim
from tests.claims.services.test_workflow import report, walk_to_adjusted
from tests.factories.claims import customer_user, policy_with_cover, staff

pytestmark = pytest.mark.django_db


def test_the_claim_page_shows_the_timeline_and_refuses_out_of_order_steps(client, today):
    people = staff()
    claim = report(policy_with_cover(), people["handler"])
    client.force_login(people["handler"])
    page = client.get(f"/claims/{claim.pk}/").content.decode()
    assert 'data-action="dispatch"' in page and 'data-action="approve"' not in page
    r = client.post(f"/claims/{claim.pk}/act/", {"action": "register"})
    assert r.status_code == 400
    assert "allowed next steps: dispatch" in r.content.decode()
    r = client.post(f"/claims/{claim.pk}/act/", {"action": "dispatch", "reason": "派查勘员"})
    assert r.status_code == 302
    assert Claim.objects.get(pk=claim.pk).status == "dispatched"


def test_the_approver_queue_marks_claims_above_the_limit_and_the_dashboard_counts(client, today):
    people = staff()
    walk_to_adjusted(
        report(policy_with_cover(), people["handler"], injury=True),
        people["handler"],
        parts="60000",
    )
    walk_to_adjusted(
        report(policy_with_cover(), people["handler"]), people["handler"], parts="1000"
    )
    client.force_login(people["approver"])
    page = client.get("/claims/approvals/").content.decode()
    assert page.count("权限内 / within your limit") == 1
    assert page.count("超权限，需上报 / above your limit") == 1
    dash = client.get("/claims/dashboard/").content.decode()
    assert 'data-figure="open"><div class="figure-value">2<' in dash
    xlsx = client.get("/claims/reports/?format=xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_customers_and_seats_cannot_open_staff_pages(client, today):
    policy = policy_with_cover()
    client.force_login(customer_user(policy))
    assert client.get("/claims/").status_code == 403
    assert client.get("/claims/approvals/").status_code == 403
    other = report(policy_with_cover(), staff()["handler"])
    assert client.get(f"/claims/my/{other.pk}/").status_code == 404


def test_the_dashboard_lists_legal_breaches_and_claims_due_soon_after_the_clocks_run(client, today):
    """Rejected 2026-03-02 with no notice dispatched: the 3-day notice clock (due 03-05) is
    breached on 03-11; approved and the amount accepted by the customer on a recorded call on
    03-02: the 10-day payment clock (due Thu 03-12, calendar days) is due soon on 03-11."""
    from carecircle.claims.services.clocks import reevaluate_open_claims
    from tests.claims.services.test_workflow import approved_claim

    people = staff()
    rejected = report(policy_with_cover(), people["handler"])
    for action in (Action.DISPATCH, Action.SURVEY, Action.REGISTER):
        rejected = services.transition(rejected, action, acting_user=people["handler"])
    rejected = services.transition(
        rejected, Action.REJECT, acting_user=people["approver"], reason="酒后驾驶，属责任免除"
    )
    approved = approved_claim(people)
    assert approved.clock_state == ""  # no payment clock before the customer accepts
    client.force_login(people["handler"])
    r = client.post(f"/claims/{approved.pk}/act/", {"action": "accept_offer", "via": "phone_call"})
    assert r.status_code == 302
    approved.refresh_from_db()
    assert (approved.offer_accepted_at, approved.offer_accepted_via) == (today, "phone_call")
    assert (rejected.clock_state, approved.clock_state) == ("ok", "ok")
    client.force_login(people["manager"])
    before = client.get("/claims/dashboard/").content.decode()
    assert rejected.claim_no not in before and approved.claim_no not in before
    reevaluate_open_claims(dt.date(2026, 3, 11))
    rejected.refresh_from_db()
    approved.refresh_from_db()
    assert (rejected.clock_state, rejected.due_clock, str(rejected.due_on)) == (
        "breached", "rejection_notice", "2026-03-05",
    )  # fmt: skip
    assert (approved.clock_state, approved.due_clock, str(approved.due_on)) == (
        "warning", "payment", "2026-03-12",
    )  # fmt: skip
    page = client.get("/claims/dashboard/").content.decode()
    breaches = page.split('id="breaches"')[1].split("</table>")[0]
    assert rejected.claim_no in breaches and approved.claim_no not in breaches
    due_soon = page.split('data-figure="due_soon"')[1]
    assert '<div class="figure-value state-warning">1</div>' in due_soon
    assert approved.claim_no in page.split('id="breaches"')[1].split("</table>")[1]
    legal = page.split('data-figure="legal_breaches"')[1]
    assert legal.startswith('><div class="figure-value state-breached">1</div>')


def test_the_adjust_form_starts_from_the_liability_the_claim_records(client, today):
    """A reporter's 主责 (0.7) is where the handler's adjustment starts, not full liability (a
    reviewer adjusted at 1.0 by accepting the prefilled value); unknown liability starts at 1."""
    people = staff()
    handler = people["handler"]
    claim = report(policy_with_cover(), handler)
    for action, data in (
        (Action.DISPATCH, {}),
        (Action.SURVEY, {"survey_mode": "on_site"}),
        (Action.REGISTER, {}),
        (Action.ASSESS, {"parts": "3000", "labour": "200", "paint": "100"}),
        (Action.CHECK_LOSS, {}),
    ):
        claim = services.transition(claim, action, acting_user=handler, data=data)
    client.force_login(handler)
    assert 'name="liability_share" value="1"' in client.get(f"/claims/{claim.pk}/").content.decode()
    Claim.objects.filter(pk=claim.pk).update(liability_share="0.700")
    page = client.get(f"/claims/{claim.pk}/").content.decode()
    assert 'name="liability_share" value="0.7"' in page
