"""The home dashboard and the value portfolio by unit (机构): a branch's staff see their
subtree's figures (the dashboard's cache and the portfolio's were shared by everyone with the
whole-book permission, so a city branch got head office's figures), ``?unit=`` narrows to one
unit of the user's subtree (404 outside it), and the portfolio groups customers by the units
directly below the one shown."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from carecircle.core.roles import Role
from carecircle.core.unit_scope import unit_scope
from carecircle.desk.selectors.dashboard import staff_figures
from carecircle.value.models import CustomerValue, ValueRun
from tests.factories import CustomerFactory, PolicyFactory, UserFactory
from tests.unit_tree import build_tree

pytestmark = pytest.mark.django_db


@pytest.fixture
def book():
    """Customers served by 西湖营业部 (A1, two), 杭州 (city A, one), 海曙营业部 (B1, three)
    and none (one), each with a policy in force in their unit and a value in the current run
    (annual premium ¥1,000 each, lifetime value ¥10,000)."""
    tree = build_tree()
    run = ValueRun.objects.create(as_of=dt.date(2026, 3, 1), status="succeeded", is_current=True)
    for unit, n in ((tree.a1, 2), (tree.city_a, 1), (tree.b1, 3), (None, 1)):
        for _ in range(n):
            customer = CustomerFactory(unit=unit)
            PolicyFactory(
                vehicle__owner=customer,
                unit=unit,
                effective_date=dt.date(2026, 1, 1),
                expiry_date=dt.date(2027, 1, 1),
            )
            CustomerValue.objects.create(
                run=run,
                customer=customer,
                tenure_years=Decimal("2.0"),
                loss_ratio_credible=Decimal("0.5"),
                renewal_probability=Decimal("0.8"),
                value_percentile=Decimal("0.5"),
                rule_tier="gold",
                tier="gold",
                annual_premium=Decimal("1000"),
                annual_margin=Decimal("100"),
                lifetime_value=Decimal("10000"),
            )
    return tree


def figures(user, **params):
    return {f.key: f.value for f in staff_figures(user, unit_scope(user, params.get("unit")))}


def test_each_branch_gets_its_own_dashboard_figures_not_head_offices_cached_ones(book):
    hq = UserFactory(username="hq", role=Role.MANAGER)
    city_a = UserFactory(username="mgr-a", role=Role.MANAGER, unit=book.city_a)
    city_b = UserFactory(username="mgr-b", role=Role.MANAGER, unit=book.city_b)
    assert figures(hq)["customers"] == 7  # cached for the whole book first
    assert (figures(city_a)["customers"], figures(city_a)["policies_in_force"]) == (3, 3)
    assert figures(city_b)["customers"] == 3
    assert figures(hq, unit="33010100")["customers"] == 2
    assert figures(hq)["customers"] == 7


def test_the_home_page_narrows_to_a_unit_and_refuses_one_outside_the_subtree(client, book):
    city_a = UserFactory(username="mgr-a", role=Role.MANAGER, unit=book.city_a)
    client.force_login(city_a)
    response = client.get("/", {"unit": "33010100"})
    assert {f.key: f.value for f in response.context["figures"]}["customers"] == 2
    assert '<option value="33010100" selected>' in response.content.decode()
    assert client.get("/", {"unit": "33020000"}).status_code == 404


def test_a_city_branch_sees_the_portfolio_of_the_customers_its_subtree_serves(client, book):
    city_a = UserFactory(username="mgr-a", role=Role.MANAGER, unit=book.city_a)
    client.force_login(city_a)
    p = client.get(reverse("desk:portfolio")).context["p"]
    assert (p.customers, p.premium, p.whole_book) == (3, Decimal("3000.00"), False)
    assert p.unit_name == "杭州中心支公司"
    assert [(g.label, g.customers) for g in p.by_unit] == [
        ("杭州中心支公司(本级) / 杭州中心支公司 itself", 1),
        ("西湖营业部", 2),
    ]


def test_head_office_sees_the_whole_book_by_province_and_narrows_to_a_city(client, book):
    client.force_login(UserFactory(username="hq", role=Role.MANAGER))
    whole = client.get(reverse("desk:portfolio")).context["p"]
    assert (whole.customers, whole.whole_book) == (7, True)
    assert [(g.label, g.customers) for g in whole.by_unit] == [
        ("浙江分公司", 6),
        ("未分配机构 / No unit", 1),
    ]
    response = client.get(reverse("desk:portfolio"), {"unit": "33020000"})
    city_b = response.context["p"]
    assert (city_b.customers, city_b.whole_book, city_b.unit_name) == (3, False, "宁波中心支公司")
    assert [(g.label, g.customers) for g in city_b.by_unit] == [("海曙营业部", 3)]
    assert 'data-groups="unit"' in response.content.decode()


def test_the_portfolio_refuses_a_unit_outside_the_subtree(client, book):
    client.force_login(UserFactory(username="mgr-a", role=Role.MANAGER, unit=book.city_a))
    assert client.get(reverse("desk:portfolio"), {"unit": "33020000"}).status_code == 404
    assert client.get(reverse("desk:portfolio"), {"unit": "33000000"}).status_code == 404
