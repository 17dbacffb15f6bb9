"""The customer's phone pages: report with photos, choose a shop, accept, rate, upload the
missing documents; the rules' refusals shown on the page."""

from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from carecircle.claims import services
from carecircle.claims.choices import Action
from carecircle.claims.models import Claim
from tests.claims.bank_support import pay_confirmed
from tests.claims.services.test_workflow import report
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
                "vehicle": policy.vehicle_id,
                "accident_at": "2026-03-02T08:30",
                "description": "停车场被剐蹭",
                "customer_estimate": "1800",
                "own_car": "on",
                "liability": "full",
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
                "vehicle": policy.vehicle_id,
                "accident_at": "2026-03-02T08:30",
                "description": "x",
                "own_car": "on",
                "photos": [SimpleUploadedFile("p.gif", b"GIF89a", content_type="image/gif")],
            },
        )
    assert r.status_code == 400
    assert "file type .gif is not accepted" in r.content.decode()
    assert Claim.objects.count() == 0


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
            f"/claims/my/{claim.pk}/",
            {"what": "shop", "repair_shop_id": partner.pk, "share_consent": "on"},
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
    payment = pay_confirmed(claim, people["handler"])  # rated once the bank confirms
    assert (payment.payee, payment.payee_shop) == ("shop", partner)
    assert (
        client.post(f"/claims/my/{claim.pk}/", {"what": "rate", "satisfaction": "4"}).status_code
        == 302
    )
    partner.repair_terms.refresh_from_db()
    assert (partner.repair_terms.rating, partner.repair_terms.ratings_count) == (D("4.00"), 1)


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
