"""Scorecards API: a partner's users read their own scorecard and drill-down (customers masked);
another partner's is refused and audited; managers read every partner's."""

import pytest

from carecircle.core.models import AuditLog
from carecircle.core.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
FEB = {"month": "2026-02"}


def _lines(body):
    return {line["key"]: line for line in body["lines"]}


def test_a_partner_user_reads_its_own_scorecard_with_exact_figures(api_as, shop_book):
    shop, _other, _customer = shop_book
    user = UserFactory(username="vw", role=Role.PARTNER_USER, partner=shop)
    response = api_as(user).get(f"/api/ecosystem/partners/{shop.pk}/scorecard", FEB)
    assert response.status_code == 200
    body = response.json()
    assert (body["partner_name"], body["month"], body["agreement_no"]) == (
        "杭州大众4S店",
        "2026-02",
        "AG-4S-001",
    )
    lines = _lines(body)
    assert (lines["premium_brought"]["value"], lines["premium_brought"]["verdict"]) == (
        "12000.00",
        "met",
    )
    assert (lines["repair_value"]["value"], lines["repair_value"]["drill"]) == (
        "5000.00",
        "claims",
    )
    assert lines["complaints"]["value"] == "1"
    assert lines["renewal_rate"]["value"] == "0.500"


def test_a_partner_user_is_refused_another_partners_scorecard_and_it_is_audited(
    api_as,
    shop_book,
):
    shop, other, _customer = shop_book
    user = UserFactory(username="vw", role=Role.PARTNER_USER, partner=shop)
    client = api_as(user)
    assert client.get(f"/api/ecosystem/partners/{other.pk}/scorecard", FEB).status_code == 403
    drill = client.get(f"/api/ecosystem/partners/{other.pk}/scorecard/policies", FEB)
    assert drill.status_code == 403
    assert drill.json()["code"] == "permission_denied"
    assert (
        AuditLog.objects.filter(
            actor=user, action="denied", object_type="parties.partner", object_id=str(other.pk)
        ).count()
        == 2
    )


def test_the_drill_down_shows_a_partner_masked_customers_and_staff_full_names(
    api_as,
    shop_book,
):
    shop, _other, _customer = shop_book
    partner_user = UserFactory(username="vw", role=Role.PARTNER_USER, partner=shop)
    manager = UserFactory(username="boss", role=Role.MANAGER)
    url = f"/api/ecosystem/partners/{shop.pk}/scorecard/claims"
    rows = api_as(partner_user).get(url, FEB).json()["items"]
    assert [(r["reference"], r["amount"]) for r in rows] == [
        ("CLM-OPEN", "0.00"),
        ("CLM-PAID", "2000.00"),
    ]
    assert rows[1]["customer"] == "周**"
    staff_rows = api_as(manager).get(url, FEB).json()["items"]
    assert staff_rows[1]["customer"] == "周杰伦"
    complaints = api_as(partner_user).get(
        f"/api/ecosystem/partners/{shop.pk}/scorecard/complaints", FEB
    )
    assert [r["reference"] for r in complaints.json()["items"]] == ["TS2026020001"]
    unknown = api_as(manager).get(f"/api/ecosystem/partners/{shop.pk}/scorecard/salaries", FEB)
    assert unknown.status_code == 404


def test_the_scorecard_list_is_every_partner_for_managers_and_only_its_own_for_a_partner(
    api_as,
    shop_book,
):
    shop, other, _customer = shop_book
    manager = UserFactory(username="boss", role=Role.MANAGER)
    partner_user = UserFactory(username="vw", role=Role.PARTNER_USER, partner=shop)
    seat = UserFactory(username="seat", role=Role.SEAT)
    all_rows = api_as(manager).get("/api/ecosystem/scorecards", FEB).json()["items"]
    assert [(r["partner_id"], r["premium_brought"]) for r in all_rows] == [
        (shop.pk, "12000.00"),
        (other.pk, "7000.00"),
    ]
    own = api_as(partner_user).get("/api/ecosystem/scorecards", FEB).json()["items"]
    assert [r["partner_id"] for r in own] == [shop.pk]
    assert api_as(seat).get("/api/ecosystem/scorecards", FEB).status_code == 403
    bad = api_as(manager).get("/api/ecosystem/scorecards", {"month": "2026-13"})
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid_month")
