"""The claims pages by unit (机构): a city branch's manager and handlers see their subtree's
claims and figures only, ``?unit=`` narrows the worklist, the approver's queue, the dashboard,
the report and its export to one unit of the user's subtree (a unit outside it is a 404), and
the report groups by unit, rolled up to the units directly below the one shown."""

from decimal import Decimal as D
from io import BytesIO

import pytest
from openpyxl import load_workbook

from carecircle.core.roles import Role
from carecircle.touchpoints.models import Complaint
from tests.factories import CustomerFactory, UserFactory
from tests.factories.claims import ClaimFactory, at
from tests.unit_tree import build_tree

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(today):
    """Open claims: two in 西湖营业部 (A1, ¥1,000 and ¥2,000 reserved), one on 杭州 (city A)
    itself (¥4,000), one in 海曙营业部 (B1, ¥8,000, complained about), one with no unit
    (¥16,000); one closed claim in A1 (¥500 paid)."""
    tree = build_tree()
    claims = {
        "a1": ClaimFactory(unit=tree.a1, amount_reserved=D("1000"), status="registered"),
        "a1b": ClaimFactory(unit=tree.a1, amount_reserved=D("2000"), status="adjusted"),
        "city_a": ClaimFactory(unit=tree.city_a, amount_reserved=D("4000"), status="registered"),
        "b1": ClaimFactory(unit=tree.b1, amount_reserved=D("8000"), status="adjusted"),
        "none": ClaimFactory(amount_reserved=D("16000"), status="registered"),
        "paid": ClaimFactory(
            unit=tree.a1, amount_paid=D("500"), status="closed", paid_at=at(1, 15)
        ),
    }
    b1 = claims["b1"]
    Complaint.objects.create(
        complaint_no="TS-U-1",
        customer=b1.policy.customer,
        channel="phone",
        category="speed",
        severity="normal",
        touchpoint="claims",
        summary="慢",
        received_at=at(1, 16),
        due_at=at(4, 16),
        claim=b1,
        unit=tree.b1,
    )
    return {"tree": tree, **claims}


def user(role, unit, name):
    return UserFactory(username=name, role=role, unit=unit)


def by_unit(response):
    return {g["name"]: (g["claims"], g["reserved"]) for g in response.context["r"]["by_unit"]}


def test_a_city_managers_dashboard_counts_their_subtrees_claims_only(client, book):
    client.force_login(user(Role.MANAGER, book["tree"].city_a, "mgr-a"))
    d = client.get("/claims/dashboard/").context["d"]
    assert d["open"] == 3  # A1's two and city A's own; not B1's, not the one with no unit
    hq = client.get("/claims/dashboard/")
    assert hq.status_code == 200
    client.force_login(user(Role.MANAGER, book["tree"].head, "hq"))
    assert client.get("/claims/dashboard/").context["d"]["open"] == 5
    assert client.get("/claims/dashboard/?unit=33020000").context["d"]["open"] == 1


def test_the_report_groups_by_unit_below_the_unit_shown(client, book):
    client.force_login(user(Role.MANAGER, book["tree"].city_a, "mgr-a"))
    response = client.get("/claims/reports/")
    assert response.context["r"]["claims"] == 4
    assert by_unit(response) == {
        "杭州中心支公司(本级) / 杭州中心支公司 itself": (1, D("4000.00")),
        "西湖营业部": (3, D("3000.00")),
    }
    html = response.content.decode()
    assert 'id="by-unit"' in html and 'data-drill="33010100"' in html


def test_head_office_choosing_the_province_sees_its_cities_and_their_complaints(client, book):
    client.force_login(user(Role.MANAGER, book["tree"].head, "hq"))
    everything = client.get("/claims/reports/")
    assert set(by_unit(everything)) == {"浙江分公司", "未分配机构 / No unit"}
    response = client.get("/claims/reports/?unit=33000000")
    rows = {g["name"]: g for g in response.context["r"]["by_unit"]}
    assert {name: g["claims"] for name, g in rows.items()} == {
        "杭州中心支公司": 4,
        "宁波中心支公司": 1,
    }
    assert (
        rows["宁波中心支公司"]["complaints"],
        rows["宁波中心支公司"]["complaints_per_1000"],
    ) == (
        1,
        D("1000.0"),
    )
    assert response.context["r"]["complaints"] == 1


def test_the_report_export_follows_the_filter_and_has_a_unit_sheet(client, book):
    client.force_login(user(Role.MANAGER, book["tree"].head, "hq"))
    response = client.get("/claims/reports/?format=xlsx&unit=33000000")
    assert response["Content-Disposition"] == ('attachment; filename="claims-report-33000000.xlsx"')
    xlsx = load_workbook(BytesIO(response.content))
    assert "by_unit" in xlsx.sheetnames
    rows = list(xlsx["by_unit"].iter_rows(values_only=True))
    assert [(r[0], r[1]) for r in rows[1:]] == [("杭州中心支公司", 4), ("宁波中心支公司", 1)]
    summary = dict(xlsx["summary"].iter_rows(values_only=True))
    assert summary["赔案数 / claims"] == 5


def test_the_worklist_and_the_approval_queue_narrow_to_the_unit_chosen(client, book):
    handler = user(Role.CLAIMS_APPROVER, book["tree"].province, "ap-p")
    client.force_login(handler)
    all_open = client.get("/claims/?view=all").context["claims"]
    assert {c.pk for c in all_open} == {book[k].pk for k in ("a1", "a1b", "city_a", "b1")}
    in_a1 = client.get("/claims/?view=all&unit=33010100").context["claims"]
    assert {c.pk for c in in_a1} == {book["a1"].pk, book["a1b"].pk}
    queue = client.get("/claims/approvals/?unit=33020000").context["claims"]
    assert [c.pk for c in queue] == [book["b1"].pk]
    html = client.get("/claims/?view=all&unit=33010100").content.decode()
    assert 'href="?view=mine&unit=33010100"' in html


@pytest.mark.parametrize("code", ["33020000", "00000000", "nope"])
def test_a_unit_outside_the_users_subtree_is_a_404_on_every_claims_page(client, book, code):
    client.force_login(user(Role.MANAGER, book["tree"].city_a, "mgr-a"))
    for url in (
        "/claims/?view=all",
        "/claims/approvals/",
        "/claims/dashboard/",
        "/claims/reports/",
    ):
        assert client.get(url, {"unit": code}).status_code == 404, url


def test_a_sub_branch_user_gets_no_unit_select_there_is_nothing_to_choose(client, book):
    client.force_login(user(Role.CLAIMS_HANDLER, book["tree"].a1, "h-a1"))
    html = client.get("/claims/?view=all").content.decode()
    assert 'name="unit"' not in html
    client.force_login(user(Role.CLAIMS_HANDLER, book["tree"].city_a, "h-a"))
    html = client.get("/claims/?view=all").content.decode()
    assert '<option value="33010100">西湖营业部 (33010100)</option>' in html
    assert "33020100" not in html


def test_a_customer_created_elsewhere_does_not_widen_the_report(client, book):
    """Figures come from the claims' units, never from a customer's: a claim of a customer
    served in A1 but booked in B1 counts for B1."""
    b1 = book["b1"]
    b1.policy.customer.unit = book["tree"].a1
    b1.policy.customer.save()
    CustomerFactory(unit=book["tree"].a1)
    client.force_login(user(Role.MANAGER, book["tree"].city_a, "mgr-a"))
    assert client.get("/claims/reports/").context["r"]["claims"] == 4
