"""Staff and customer pages render with the figures the rules produce; access is enforced."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from carecircle.claims import services
from carecircle.claims.choices import Action
from carecircle.claims.models import Claim
from tests.claims.test_workflow import report, walk_to_adjusted
from tests.factories.claims import committed, customer_user, policy_with_cover, shop, staff

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_the_customer_reports_from_the_phone_page_with_a_photo(client, today, tmp_path):
    policy = policy_with_cover()
    client.force_login(customer_user(policy))
    with override_settings(MEDIA_ROOT=tmp_path), committed():
        r = client.post(
            "/claims/my/report/",
            {
                "policy": policy.pk,
                "accident_at": "2026-03-02T08:30",
                "description": "停车场被剐蹭",
                "customer_estimate": "1800",
                "single_vehicle": "on",
                "liability_clear": "on",
                "photos": [SimpleUploadedFile("p.png", PNG, content_type="image/png")],
            },
        )
    claim = Claim.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/claims/my/{claim.pk}/"
    assert (claim.status, claim.fast_track, claim.documents.count()) == ("registered", True, 1)
    page = client.get(r["Location"]).content.decode()
    assert "正在定损，可选择修理厂" in page and 'id="promised-on">2026-03-03' in page


def test_a_bad_photo_on_the_phone_page_shows_the_rule(client, today, tmp_path):
    policy = policy_with_cover()
    client.force_login(customer_user(policy))
    with override_settings(MEDIA_ROOT=tmp_path):
        r = client.post(
            "/claims/my/report/",
            {
                "policy": policy.pk,
                "accident_at": "2026-03-02T08:30",
                "description": "x",
                "photos": [SimpleUploadedFile("p.gif", b"GIF89a", content_type="image/gif")],
            },
        )
    assert r.status_code == 400
    assert "file type .gif is not accepted" in r.content.decode()
    assert Claim.objects.count() == 0


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


def test_the_calculator_page_shows_both_paths_for_the_customers_policy(client, today):
    policy = policy_with_cover(premium=D("3000.00"), ncd_level=-1, ncd_coefficient=D("0.800"))
    from tests.factories import PolicyFactory

    PolicyFactory(
        vehicle=policy.vehicle, effective_date=dt.date(2024, 6, 1), expiry_date=dt.date(2025, 6, 1)
    )
    partner = shop()
    client.force_login(customer_user(policy))
    page = client.get(
        "/claims/calculator/",
        {"shop": partner.pk, "parts": "1200", "hours": "3", "deductible": "0"},
    ).content.decode()
    assert 'id="premium-increase">¥4,500.00' in page
    assert 'id="repair-price">¥1,602.00' in page
    assert "建议自费维修" in page and "¥2,898.00" in page


def test_the_customer_chooses_a_shop_accepts_and_rates(client, today):
    people = staff()
    policy = policy_with_cover()
    me = customer_user(policy)
    partner = shop()
    claim = report(policy, people["handler"])
    for action in (Action.DISPATCH, Action.SURVEY, Action.REGISTER):
        claim = services.transition(claim, action, acting_user=people["handler"])
    client.force_login(me)
    assert (
        client.post(
            f"/claims/my/{claim.pk}/", {"what": "shop", "repair_shop_id": partner.pk}
        ).status_code
        == 302
    )
    claim.refresh_from_db()
    assert claim.repair_shop == partner
    claim = services.transition(
        claim, Action.ASSESS, acting_user=people["handler"], data={"parts": "900"}
    )
    claim = services.transition(claim, Action.CHECK_LOSS, acting_user=people["handler"])
    claim = services.transition(
        claim, Action.ADJUST, acting_user=people["handler"], data={"liability_share": "1"}
    )
    assert client.post(f"/claims/my/{claim.pk}/", {"what": "accept"}).status_code == 302
    services.approve(claim, acting_user=people["approver"])
    payment = services.pay(claim, acting_user=people["handler"])
    assert (payment.payee, payment.payee_shop) == ("shop", partner)
    assert (
        client.post(f"/claims/my/{claim.pk}/", {"what": "rate", "satisfaction": "4"}).status_code
        == 302
    )
    partner.repair_terms.refresh_from_db()
    assert (partner.repair_terms.rating, partner.repair_terms.ratings_count) == (D("4.00"), 1)


def test_the_dashboard_lists_legal_breaches_and_claims_due_soon_after_the_clocks_run(client, today):
    """Rejected 2026-03-02 with no notice: the 3-day notice clock (due 03-05) is breached on
    03-13; approved 03-02: the 10-day payment clock (due 03-16) is due soon on 03-13."""
    from carecircle.claims.clocks import reevaluate_open_claims

    from tests.claims.test_workflow import approved_claim

    people = staff()
    rejected = report(policy_with_cover(), people["handler"])
    for action in (Action.DISPATCH, Action.SURVEY, Action.REGISTER):
        rejected = services.transition(rejected, action, acting_user=people["handler"])
    rejected = services.transition(
        rejected, Action.REJECT, acting_user=people["approver"], reason="酒后驾驶，属责任免除"
    )
    approved = approved_claim(people)
    assert (rejected.clock_state, approved.clock_state) == ("ok", "ok")
    client.force_login(people["manager"])
    before = client.get("/claims/dashboard/").content.decode()
    assert rejected.claim_no not in before and approved.claim_no not in before
    reevaluate_open_claims(dt.date(2026, 3, 13))
    rejected.refresh_from_db()
    approved.refresh_from_db()
    assert (rejected.clock_state, rejected.due_clock, str(rejected.due_on)) == (
        "breached", "rejection_notice", "2026-03-05",
    )  # fmt: skip
    assert (approved.clock_state, approved.due_clock, str(approved.due_on)) == (
        "warning", "payment", "2026-03-16",
    )  # fmt: skip
    page = client.get("/claims/dashboard/").content.decode()
    breaches = page.split('id="breaches"')[1].split("</table>")[0]
    assert rejected.claim_no in breaches and approved.claim_no not in breaches
    due_soon = page.split('data-figure="due_soon"')[1]
    assert '<div class="figure-value state-warning">1</div>' in due_soon
    assert approved.claim_no in page.split('id="breaches"')[1].split("</table>")[1]
    legal = page.split('data-figure="legal_breaches"')[1]
    assert legal.startswith('><div class="figure-value state-breached">1</div>')


def test_the_customer_uploads_the_missing_documents_from_the_phone_page(client, today, tmp_path):
    """Art 22: after the one notice the customer sends what is missing from the claim page;
    a file that is not what its name says is refused with the rule, and nothing is stored."""
    people = staff()
    policy = policy_with_cover()
    claim = report(policy, people["handler"])
    for action in (Action.DISPATCH, Action.SURVEY, Action.REGISTER):
        claim = services.transition(claim, action, acting_user=people["handler"])
    services.transition(
        claim, Action.REQUEST_DOCUMENTS, acting_user=people["handler"], reason="驾驶证、行驶证"
    )
    client.force_login(customer_user(policy))
    with override_settings(MEDIA_ROOT=tmp_path):
        bad = client.post(
            f"/claims/my/{claim.pk}/",
            {"what": "upload", "kind": "photo",
             "file": SimpleUploadedFile("licence.jpg", PNG, content_type="image/jpeg")},
        )  # fmt: skip
        assert bad.status_code == 400 and "does not match .jpg" in bad.content.decode()
        assert claim.documents.count() == 0
        good = client.post(
            f"/claims/my/{claim.pk}/",
            {"what": "upload", "kind": "photo",
             "file": SimpleUploadedFile("licence.png", PNG, content_type="image/png")},
        )  # fmt: skip
    assert good.status_code == 302 and good["Location"] == f"/claims/my/{claim.pk}/"
    assert list(claim.documents.values_list("original_name", "kind")) == [("licence.png", "photo")]


def test_a_seat_uses_the_calculator_for_a_customer_it_owns_and_only_for_those(client, today):
    """The seat/agent tool: ?customer=<id> gives the same two paths as the customer's own page,
    for a customer in the seat's scope; another seat's customer gives no figures at all."""
    from carecircle.core.roles import Role
    from tests.factories import PolicyFactory, UserFactory

    policy = policy_with_cover(premium=D("3000.00"), ncd_level=-1, ncd_coefficient=D("0.800"))
    PolicyFactory(
        vehicle=policy.vehicle, effective_date=dt.date(2024, 6, 1), expiry_date=dt.date(2025, 6, 1)
    )
    seat, stranger = UserFactory(role=Role.SEAT), UserFactory(role=Role.SEAT)
    policy.customer.owner = seat
    policy.customer.save(update_fields=["owner"])
    partner = shop()
    query = {"customer": policy.customer.pk, "shop": partner.pk, "parts": "1200", "hours": "3"}
    client.force_login(seat)
    page = client.get("/claims/calculator/", query).content.decode()
    assert 'id="premium-increase">¥4,500.00' in page and 'id="repair-price">¥1,602.00' in page
    client.force_login(stranger)
    page = client.get("/claims/calculator/", query).content.decode()
    assert 'id="premium-increase"' not in page and "¥1,602.00" not in page
