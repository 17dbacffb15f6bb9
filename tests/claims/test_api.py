"""The claims API (mounted in tests on its own NinjaAPI, as api/api.py will mount it)."""

from decimal import Decimal as D

import pytest
from ninja import NinjaAPI
from ninja.testing import TestClient

from carecircle.claims.api import router
from carecircle.claims.models import Claim, ClaimPayment
from carecircle.core.api import errors
from carecircle.core.api.auth import API_AUTH
from carecircle.core.models import ApiToken
from tests.claims.bank_support import send_and_confirm
from tests.factories.claims import policy_with_cover, staff

pytestmark = pytest.mark.django_db

_api = NinjaAPI(urls_namespace="claims_api_test", auth=API_AUTH)
errors.install(_api)
_api.add_router("/", router)
client = TestClient(_api)


def bearer(user, **extra):
    _, raw = ApiToken.issue(user, "test")
    return {"Authorization": f"Bearer {raw}", **extra}


def test_report_walk_and_pay_once_through_the_api(today):
    people = staff()
    handler, approver = bearer(people["handler"]), bearer(people["approver"])
    policy = policy_with_cover()
    body = {
        "policy_id": policy.pk,
        "accident_at": "2026-03-01T15:00:00+08:00",
        "description": "追尾",
    }
    r = client.post("/claims", json=body, headers={**handler, "Idempotency-Key": "rep-1"})
    assert r.status_code == 201, r.json()
    again = client.post("/claims", json=body, headers={**handler, "Idempotency-Key": "rep-1"})
    assert (again.status_code, again.json()["id"]) == (200, r.json()["id"])
    cid = r.json()["id"]
    bad = client.post(f"/claims/{cid}/transitions", json={"action": "approve"}, headers=approver)
    assert bad.status_code == 409
    assert bad.json()["code"] == "transition_not_allowed"
    for action, data in (
        ("dispatch", {}),
        ("survey", {}),
        ("register", {}),
        ("assess", {"parts": "2000", "labour": "500", "paint": "500"}),
        ("check_loss", {}),
        ("adjust", {"liability_share": "1"}),
    ):
        r = client.post(
            f"/claims/{cid}/transitions", json={"action": action, "data": data}, headers=handler
        )
        assert r.status_code == 200, r.json()
    assert r.json()["amount_approved"] == "3000.00"
    r = client.post(f"/claims/{cid}/transitions", json={"action": "approve"}, headers=approver)
    assert r.json()["status"] == "approved"
    p1 = client.post(
        f"/claims/{cid}/payment", json={}, headers={**handler, "Idempotency-Key": "pay-1"}
    )
    p2 = client.post(
        f"/claims/{cid}/payment", json={}, headers={**handler, "Idempotency-Key": "pay-1"}
    )
    assert p1.status_code == p2.status_code == 200
    assert p1.json()["id"] == p2.json()["id"] and p1.json()["amount"] == "3000.00"
    assert ClaimPayment.objects.count() == 1
    steps = client.get(f"/claims/{cid}/transitions", headers=handler).json()
    # Instructed, not paid: the claim is paid when the bank confirms (ADR 0016).
    assert [s["action"] for s in steps][-2:] == ["approve", "payment_created"]
    assert client.get("/claims-report", headers=approver).json()["paid"] == "0.00"
    send_and_confirm(ClaimPayment.objects.get(), people["handler"])
    steps = client.get(f"/claims/{cid}/transitions", headers=handler).json()
    assert [s["action"] for s in steps][-2:] == ["payment_sent", "pay"]
    report = client.get("/claims-report", headers=approver).json()
    assert (report["claims"], report["paid"]) == (1, "3000.00")


def test_a_lapsed_policy_report_is_a_400_naming_the_dates(today):
    import datetime as dt

    people = staff()
    policy = policy_with_cover(effective_date=dt.date(2024, 6, 1), expiry_date=dt.date(2025, 6, 1))
    r = client.post(
        "/claims",
        json={"policy_id": policy.pk, "accident_at": "2026-03-01T15:00:00+08:00"},
        headers=bearer(people["handler"]),
    )
    assert r.status_code == 400
    assert r.json()["code"] == "policy_lapsed" and "2025-06-01" in r.json()["message"]


def test_a_customer_sees_only_their_own_claims(today):
    from tests.claims.services.test_workflow import report
    from tests.factories.claims import customer_user

    people = staff()
    mine, other = policy_with_cover(), policy_with_cover()
    me = customer_user(mine)
    theirs = report(other, people["handler"])
    assert client.get(f"/claims/{theirs.pk}", headers=bearer(me)).status_code == 404
    assert D("0") == D("0")


def test_the_claims_list_is_scoped_newest_first_and_pages_without_a_count(today):
    import datetime as dt

    from carecircle.core import clock
    from tests.claims.services.test_workflow import report
    from tests.factories.claims import customer_user

    people = staff()
    mine, other = policy_with_cover(), policy_with_cover()
    me = customer_user(mine)
    first = report(mine, people["handler"])
    with clock.frozen_at(today + dt.timedelta(minutes=1)):
        second = report(mine, people["handler"])
    report(other, people["handler"])
    page = client.get("/claims?limit=1", headers=bearer(me)).json()
    assert ([c["id"] for c in page["items"]], page["has_more"]) == ([second.pk], True)
    page = client.get("/claims?limit=1&offset=1", headers=bearer(me)).json()
    assert ([c["id"] for c in page["items"]], page["has_more"]) == ([first.pk], False)
    staff_view = client.get("/claims?status=reported", headers=bearer(people["handler"])).json()
    assert len(staff_view["items"]) == 3
    assert client.get("/claims?status=paid", headers=bearer(me)).json()["items"] == []


def test_an_unknown_status_filter_is_a_400_naming_the_field(today):
    handler = staff()["handler"]
    r = client.get("/claims?status=lost", headers=bearer(handler))
    assert r.status_code == 400
    assert (r.json()["code"], r.json()["field"]) == ("status", "status")
    assert "reported" in r.json()["message"]
    r = client.get("/claims?reported_since=3/1/2026", headers=bearer(handler))
    assert (r.status_code, r.json()["field"]) == (400, "reported_since")


def test_a_4s_shop_reports_a_claim_for_a_policy_it_sold_and_not_for_others(today):
    from carecircle.core.roles import Role
    from tests.factories import PartnerFactory, UserFactory

    dealer = PartnerFactory(kind="four_s_shop")
    sold = policy_with_cover(partner=dealer)
    other = policy_with_cover()
    user = UserFactory(username="fs_desk", role=Role.PARTNER_USER, partner=dealer)
    body = {"accident_at": "2026-03-01T15:00:00+08:00", "channel": "partner"}
    r = client.post("/claims", json={"policy_id": sold.pk, **body}, headers=bearer(user))
    assert (r.status_code, r.json()["status"]) == (201, "reported")
    refused = client.post("/claims", json={"policy_id": other.pk, **body}, headers=bearer(user))
    assert refused.status_code == 404
    claim = Claim.objects.get()
    assert (claim.report_channel, claim.policy_id) == ("partner", sold.pk)


def test_the_api_reports_on_a_vehicle_links_both_policies_and_says_what_was_hurt(today):
    from tests.claims.services.test_report_on_vehicle import both_policies
    from tests.factories.claims import customer_user

    compulsory, commercial = both_policies()
    body = {
        "vehicle_id": commercial.vehicle_id,
        "accident_at": "2026-03-01T15:00:00+08:00",
        "own_car": False,
        "other_car": True,
        "injured": 2,
        "deaths": 1,
        "liability": "equal",
    }
    r = client.post("/claims", json=body, headers=bearer(staff()["handler"]))
    assert r.status_code == 201, r.json()
    got = r.json()
    assert (got["policy_id"], got["compulsory_policy_id"], got["vehicle_id"]) == (
        commercial.pk,
        compulsory.pk,
        commercial.vehicle_id,
    )
    assert (got["coverage"], got["injury"], got["deaths"], got["late_report"]) == (
        "compulsory",
        True,
        1,
        False,
    )
    assert Claim.objects.get(pk=got["id"]).liability_share == D("0.500")
    # a customer reporting on a vehicle they hold no policy on: 404, nothing written
    stranger = customer_user(policy_with_cover())
    r = client.post("/claims", json=body, headers=bearer(stranger))
    assert r.status_code == 404
    missing = client.post(
        "/claims", json={"accident_at": body["accident_at"]}, headers=bearer(stranger)
    )
    assert (missing.status_code, missing.json()["field"]) == (400, "vehicle_id")
    assert Claim.objects.count() == 1


def test_the_api_registers_a_late_report_and_flags_it(today):
    import datetime as dt

    policy = policy_with_cover(effective_date=dt.date(2023, 6, 1), expiry_date=dt.date(2024, 6, 1))
    body = {"vehicle_id": policy.vehicle_id, "accident_at": "2024-01-10T09:00:00+08:00"}
    r = client.post("/claims", json=body, headers=bearer(staff()["handler"]))
    assert (r.status_code, r.json()["late_report"], r.json()["status"]) == (201, True, "reported")
