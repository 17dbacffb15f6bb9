"""The cockpit by unit (机构): figures are stored per unit and summed over the units a manager
sees, so a city branch's cockpit shows its subtree's premium, customers, renewals, claims,
complaints, partners and live counts only — never the whole book's; ``?unit=`` narrows to one
unit of the subtree (404 outside it), "by unit" shows the units directly below the one shown,
and the CSV export follows."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from carecircle.core import clock
from carecircle.core.roles import Role
from carecircle.ecosystem import cockpit, scorecards
from carecircle.ecosystem.models import Agreement
from carecircle.touchpoints.models import Complaint
from tests.factories import (
    SH,
    AgreementFactory,
    CustomerFactory,
    OrgUnitFactory,
    PartnerFactory,
    PolicyFactory,
    UserFactory,
)
from tests.factories import PlainClaimFactory as ClaimFactory
from tests.unit_tree import build_tree

pytestmark = pytest.mark.django_db
FEB = dt.date(2026, 2, 1)
TODAY = dt.datetime(2026, 3, 10, 10, 0, tzinfo=SH)


@pytest.fixture
def book():
    """February 2026, written: ¥3,000 in 西湖营业部 (A1, by 4S shop A), ¥2,000 on 杭州 (city A)
    itself, ¥5,000 in 海曙营业部 (B1, by 4S shop B), ¥1,000 with no unit. A claim closed in
    A1 after 4 days; open complaints: one in A1, two in B1."""
    tree = build_tree()
    shop_a = PartnerFactory(name="杭州4S店")
    shop_b = PartnerFactory(name="宁波4S店")
    AgreementFactory(partner=shop_a, unit=tree.a1, premium_target_monthly=Decimal("50000"))
    AgreementFactory(partner=shop_b, unit=tree.b1, premium_target_monthly=Decimal("50000"))
    policies = {}
    for name, unit, premium, partner in (
        ("a1", tree.a1, "3000", shop_a),
        ("city_a", tree.city_a, "2000", None),
        ("b1", tree.b1, "5000", shop_b),
        ("none", None, "1000", None),
    ):
        policies[name] = PolicyFactory(
            vehicle__owner=CustomerFactory(unit=unit),
            unit=unit,
            partner=partner,
            effective_date=dt.date(2026, 2, 3),
            expiry_date=dt.date(2027, 2, 3),
            premium=Decimal(premium),
        )
    ClaimFactory(
        policy=policies["a1"],
        unit=tree.a1,
        status="closed",
        reported_at=dt.datetime(2026, 2, 5, 10, 0, tzinfo=SH),
        accident_at=dt.datetime(2026, 2, 5, 9, 0, tzinfo=SH),
        closed_at=dt.datetime(2026, 2, 9, 10, 0, tzinfo=SH),
    )
    for n, name in enumerate(("a1", "b1", "b1")):
        policy = policies[name]
        Complaint.objects.create(
            complaint_no=f"TS-C-{n}",
            customer=policy.customer,
            channel="phone",
            category="speed",
            severity="normal",
            touchpoint="phone",
            summary="x",
            received_at=dt.datetime(2026, 2, 20, 9, 0, tzinfo=SH),
            due_at=dt.datetime(2026, 2, 23, 9, 0, tzinfo=SH),
            unit=policy.unit,
        )
    with clock.frozen_at(TODAY):
        cockpit.compute_book_month(FEB)
        scorecards.compute_month(FEB)
    return tree


def page(client, user, **params):
    client.force_login(user)
    with clock.frozen_at(TODAY):
        return client.get("/ecosystem/", {"month": "2026-02", **params})


def test_a_city_branch_managers_cockpit_shows_only_their_subtrees_figures(client, book):
    manager = UserFactory(username="mgr-a", role=Role.MANAGER, unit=book.city_a)
    response = page(client, manager)
    assert response.status_code == 200
    c = response.context["c"]
    t = c.total
    assert (t.premium, t.policies, t.customers) == (Decimal("5000.00"), 2, 2)
    assert (t.claims_closed, c.claim_days) == (1, Decimal("4.0"))
    assert t.complaints == 1
    assert (c.open_complaints, c.overdue_complaints) == (1, 1)
    assert c.unit_name == "杭州中心支公司"
    # Partner health: the partners its units signed with, not the other city's.
    assert [(k["partner_kind"], k["partners"]) for k in c.partner_kinds] == [("four_s_shop", 1)]
    assert c.partner_ids == {Agreement.objects.get(unit=book.a1).partner_id}
    assert [(u["label"], u["premium"], u["policies"]) for u in c.by_unit] == [
        ("杭州中心支公司(本级) / 杭州中心支公司 itself", Decimal("2000.00"), 1),
        ("西湖营业部", Decimal("3000.00"), 1),
    ]
    html = response.content.decode()
    assert 'id="by-unit"' in html and 'href="?month=2026-02&unit=33010100"' in html
    assert "¥5,000.00" in html


def test_head_office_sees_the_whole_book_grouped_by_province_with_no_unit_apart(client, book):
    c = page(client, UserFactory(username="hq", role=Role.MANAGER)).context["c"]
    assert (c.total.premium, c.total.policies, c.open_complaints) == (Decimal("11000.00"), 4, 3)
    assert c.partner_ids is None and c.unit_name == ""
    assert [(u["label"], u["premium"]) for u in c.by_unit] == [
        ("浙江分公司", Decimal("10000.00")),
        ("未分配机构 / No unit", Decimal("1000.00")),
    ]


def test_head_office_narrows_to_a_city_and_the_export_follows(client, book):
    hq = UserFactory(username="hq", role=Role.MANAGER)
    c = page(client, hq, unit="33020000").context["c"]
    assert (c.total.premium, c.total.complaints, c.open_complaints) == (
        Decimal("5000.00"),
        2,
        2,
    )
    assert [k["partners"] for k in c.partner_kinds] == [1]
    with clock.frozen_at(TODAY):
        response = client.get("/ecosystem/cockpit.csv", {"month": "2026-02", "unit": "33020000"})
    assert response["Content-Disposition"] == (
        'attachment; filename="cockpit-2026-02-33020000.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert ["book", "", "premium_written", "5000.00"] in rows
    assert ["unit", "33020100", "premium", "5000.00"] in rows
    assert ["complaints", "", "open", "2"] in rows


def test_a_month_computed_shows_zeros_for_a_unit_without_business_not_not_computed(client, book):
    c = page(client, UserFactory(username="hq", role=Role.MANAGER), unit="33000000").context["c"]
    assert c.stored
    empty = UserFactory(username="mgr-new", role=Role.MANAGER, unit=book.b1)
    response = page(client, empty, month="2026-01")
    assert 'id="not-aggregated"' in response.content.decode()  # January was never computed


@pytest.mark.parametrize("code", ["33020000", "33000000", "nope"])
def test_a_unit_outside_the_managers_subtree_is_a_404(client, book, code):
    manager = UserFactory(username="mgr-a", role=Role.MANAGER, unit=book.city_a)
    assert page(client, manager, unit=code).status_code == 404
    with clock.frozen_at(TODAY):
        assert client.get("/ecosystem/cockpit.csv", {"unit": code}).status_code == 404


def test_the_cockpit_costs_the_same_queries_for_a_branch_whatever_the_number_of_units(client, book):
    manager = UserFactory(username="mgr-a", role=Role.MANAGER, unit=book.city_a)
    page(client, manager)
    with CaptureQueriesContext(connection) as small:
        page(client, manager)
    for n in range(6):
        unit = OrgUnitFactory(code=f"330101{n + 10}", name=f"营业部{n}", parent=book.city_a)
        PolicyFactory(
            unit=unit,
            effective_date=dt.date(2026, 2, 3),
            expiry_date=dt.date(2027, 2, 3),
        )
    with clock.frozen_at(TODAY):
        cockpit.compute_book_month(FEB)
    with CaptureQueriesContext(connection) as large:
        response = page(client, manager)
    assert len(response.context["c"].by_unit) == 2 + 6
    assert len(large) == len(small)
