"""Renewal supervision by unit (机构): a city branch's supervisor sees their subtree's figures
only, ``?unit=`` narrows to one unit of the user's subtree (never beyond it: 404), "by unit"
rolls the figures up to the units directly below the one shown, and the export and the overdue
list follow the filter."""

from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from carecircle.core.roles import Role
from carecircle.parties.models import Customer
from carecircle.renewals.models import PipelineRun, RenewalTask
from carecircle.renewals.supervision.scope import can_supervise
from tests.factories import UserFactory
from tests.renewals.supervision.book import build_book
from tests.unit_tree import build_tree

pytestmark = pytest.mark.django_db
MAY = {"period": "month", "date": "2026-05-01"}


@pytest.fixture
def book(today):
    """The supervision book with units: T1 (renewed, ¥3,855) in 西湖营业部 (A1), T2 (lost,
    ¥2,000) on 杭州 (city A) itself, T3 (open, overdue, ¥5,000) in 海曙营业部 (B1), T4 (renewed
    by the agent) with no unit; outside May, T6 (overdue) in A1 and T5 in B1."""
    found = build_book()
    tree = build_tree()
    t1 = RenewalTask.objects.get(premium_last_year="3855.00", expiry_date__month=5)
    t2 = found["t2"]
    t3 = RenewalTask.objects.get(premium_last_year="5000.00")
    t5 = RenewalTask.objects.get(assignee__isnull=True)
    t6 = RenewalTask.objects.get(premium_last_year="3855.00", assignee=found["s1"], status="open")
    for t, unit in ((t1, tree.a1), (t2, tree.city_a), (t3, tree.b1), (t5, tree.b1), (t6, tree.a1)):
        RenewalTask.objects.filter(pk=t.pk).update(unit=unit)
        Customer.objects.filter(pk=t.customer_id).update(unit=unit)
        t.refresh_from_db()
    return {**found, "tree": tree, "t1": t1, "t3": t3, "t6": t6}


def board(client, user, **params):
    client.force_login(user)
    response = client.get(reverse("renewals:supervise"), {**MAY, **params})
    assert response.status_code == 200
    return response


def rows(response):
    return {r.label: (r.due, r.renewed, r.lost, r.overdue) for r in response.context["board"].rows}


def test_a_city_branch_supervisor_sees_only_their_subtrees_renewals(client, book):
    city_a = UserFactory(username="mgr-a", role=Role.MANAGER, unit=book["tree"].city_a)
    response = board(client, city_a, by="unit")
    assert rows(response) == {
        "杭州中心支公司(本级) / 杭州中心支公司 itself": (1, 0, 1, 0),  # T2
        "西湖营业部": (1, 1, 0, 1),  # T1 due and renewed; T6 overdue
    }
    total = response.context["board"].total
    assert (total.due, total.premium_due, total.overdue) == (2, 5855, 1)
    html = response.content.decode()
    assert "范围:杭州中心支公司及下级机构" in html
    # The select offers their subtree only.
    assert [u.code for u in response.context["units"].units] == ["33010000", "33010100"]


def test_head_office_by_unit_groups_by_province_and_keeps_the_rows_with_no_unit_apart(client, book):
    response = board(client, book["manager"], by="unit")
    assert rows(response) == {"浙江分公司": (3, 1, 1, 2), "未分配机构 / No unit": (1, 1, 0, 0)}
    assert response.context["board"].total.due == 4  # the whole book, as before


def test_choosing_the_province_groups_by_its_city_branches_and_drops_the_rows_with_no_unit(
    client, book
):
    response = board(client, book["manager"], by="unit", unit="33000000")
    assert rows(response) == {"杭州中心支公司": (2, 1, 1, 1), "宁波中心支公司": (1, 0, 0, 1)}
    html = response.content.decode()
    # Each unit row drills down into that unit.
    assert 'href="?period=month&date=2026-05-01&by=unit&unit=33010000"' in html
    assert '<option value="33000000" selected>' in html


def test_a_unit_filter_narrows_every_dimension(client, book):
    response = board(client, book["manager"], by="seat", unit="33010100")
    assert rows(response) == {"坐席一": (1, 1, 0, 1)}  # T1 due, T6 overdue: both s1's, in A1
    assert response.context["board"].total.calls == 1  # T1's call in May


@pytest.mark.parametrize("code", ["33020000", "33020100", "00000000", "nope"])
def test_a_unit_outside_the_users_subtree_is_a_404(client, book, code):
    city_a = UserFactory(username="mgr-a", role=Role.MANAGER, unit=book["tree"].city_a)
    client.force_login(city_a)
    for name in ("supervise", "supervise_lost", "supervise_export", "supervise_overdue"):
        assert client.get(reverse(f"renewals:{name}"), {**MAY, "unit": code}).status_code == 404


def test_a_seat_asking_for_a_unit_is_still_refused_not_told_about_units(client, book):
    client.force_login(book["s1"])
    response = client.get(reverse("renewals:supervise"), {"unit": "33020000"})
    assert response.status_code == 403


def test_the_export_follows_the_unit_filter_and_says_so(client, book):
    client.force_login(book["manager"])
    response = client.get(
        reverse("renewals:supervise_export"), {**MAY, "by": "unit", "unit": "33010000"}
    )
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="renewal-supervision-unit-month-20260501-33010000.xlsx"'
    )
    xlsx = load_workbook(BytesIO(response.content))
    about = dict(row[:2] for row in xlsx["说明 About"].iter_rows(values_only=True) if len(row) > 1)
    assert about["机构 / Unit"] == "杭州中心支公司"
    figures = list(xlsx["考核 Figures"].iter_rows(values_only=True))
    assert [(f[0], f[1]) for f in figures[1:]] == [
        ("杭州中心支公司(本级) / 杭州中心支公司 itself", 1),
        ("西湖营业部", 1),
        ("合计 / Total", 2),
    ]


def test_the_overdue_list_drills_into_a_unit_row(client, book):
    client.force_login(book["manager"])
    url = reverse("renewals:supervise_overdue")
    in_a = client.get(url, {"by": "unit", "key": "33010000", "unit": "33000000"})
    assert [t.pk for t in in_a.context["o"].tasks] == [book["t6"].pk]
    assert in_a.context["o"].label == "杭州中心支公司"
    in_b = client.get(url, {"unit": "33020000"})
    assert [t.pk for t in in_b.context["o"].tasks] == [book["t3"].pk]
    city_a = UserFactory(username="mgr-a", role=Role.MANAGER, unit=book["tree"].city_a)
    client.force_login(city_a)
    assert [t.pk for t in client.get(url).context["o"].tasks] == [book["t6"].pk]


def test_a_city_branch_supervisor_may_reassign_their_subtrees_renewals_only(book):
    city_a = UserFactory(username="mgr-a", role=Role.MANAGER, unit=book["tree"].city_a)
    assert can_supervise(city_a)
    assert can_supervise(city_a, book["t1"])
    assert not can_supervise(city_a, book["t3"])


def test_a_city_branch_supervisor_opens_the_pipeline_page_of_their_subtree_but_does_not_rebuild(
    client, book
):
    city_a = UserFactory(username="mgr-a", role=Role.MANAGER, unit=book["tree"].city_a)
    client.force_login(city_a)
    response = client.get(reverse("renewals:pipeline"))
    assert response.status_code == 200
    # Their open renewal is T6 (A1); T3 and T5 (B1) are not theirs.
    assert sum(row["n"] for row in response.context["by_stage"]) == 1
    assert response.context["can_run"] is False
    runs = PipelineRun.objects.count()
    client.post(reverse("renewals:pipeline"))  # the nightly rebuild is head office's
    assert PipelineRun.objects.count() == runs
    client.force_login(book["manager"])
    client.post(reverse("renewals:pipeline"))
    assert PipelineRun.objects.count() == runs + 1
