"""Login, layout, language switch and the staff dashboard."""

import pytest
from django.urls import reverse

from carecircle.core.roles import Role
from tests.factories import CustomerFactory, PartnerFactory, PolicyFactory, UserFactory
from tests.factories import RegisteredClaimFactory as ClaimFactory

pytestmark = pytest.mark.django_db


def test_the_home_page_needs_a_login(client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/?next=/"


def test_a_user_logs_in_with_the_login_form_and_lands_on_home(client, manager):
    page = client.get("/accounts/login/")
    assert "登录 / Log in" in page.content.decode()
    response = client.post(
        "/accounts/login/", {"username": "manager", "password": "pw-for-tests-1"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("web:home")


def test_a_wrong_password_says_so(client, manager):
    response = client.post("/accounts/login/", {"username": "manager", "password": "nope"})
    assert "用户名或密码错误" in response.content.decode()


def test_the_dashboard_counts_the_book_for_a_manager(manager, login):
    PolicyFactory()  # a policy in force far into the future is irrelevant: dates are fixed
    ClaimFactory(status="registered")
    ClaimFactory(status="closed")
    PartnerFactory()
    response = login(manager).get("/")
    figures = {f.key: f.value for f in response.context["figures"]}
    assert figures["customers"] == 3
    assert figures["vehicles"] == 3
    assert figures["claims_open"] == 1
    assert figures["partners"] == 1


def test_a_seats_dashboard_counts_only_its_own_customers(seat, login):
    CustomerFactory(owner=seat)
    CustomerFactory()
    figures = {f.key: f.value for f in login(seat).get("/").context["figures"]}
    assert figures["customers"] == 1


def test_the_dashboard_is_for_staff_only(login):
    customer = CustomerFactory()
    user = UserFactory(role=Role.CUSTOMER, customer=customer)
    response = login(user).get("/")
    assert response.context["figures"] == []
    assert reverse("web:customer_360", args=[customer.pk]) in response.content.decode()


def test_the_dashboard_runs_a_bounded_number_of_queries(
    manager, login, django_assert_max_num_queries
):
    client = login(manager)
    # session, user, five figures, the user's units for the unit select (+ one pg_class
    # estimate lookup on PostgreSQL)
    with django_assert_max_num_queries(9):
        client.get("/")


def test_the_language_switch_sets_english(manager, login):
    client = login(manager)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert client.get("/").content.decode().count('lang="en"') == 1


def test_the_layout_defaults_to_simplified_chinese(manager, login):
    html = login(manager).get("/").content.decode()
    assert '<html lang="zh-hans">' in html
    assert "客户查询 / Customer search" in html


def test_on_postgresql_a_big_book_is_estimated_not_counted(manager, login, monkeypatch):
    from django.db import connection

    from carecircle.desk.selectors import dashboard

    if connection.vendor != "postgresql":
        pytest.skip("planner estimates exist on PostgreSQL only")
    PolicyFactory()
    ClaimFactory(status="registered")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    monkeypatch.setattr(dashboard, "ESTIMATE_ABOVE", 0)
    figures = {f.key: f for f in login(manager).get("/").context["figures"]}
    assert [figures[k].approximate for k in ("customers", "claims_open", "partners")] == [
        True,
        True,
        False,
    ]
    assert figures["customers"].value == 2
    assert figures["claims_open"].value == 1


def test_navigation_shows_each_role_its_apps_and_customers_their_own_pages(client, db):
    from carecircle.core.roles import Role
    from tests.factories import CustomerFactory, PartnerFactory, UserFactory

    seat = UserFactory(username="nav-seat", role=Role.SEAT)
    client.force_login(seat)
    labels = [str(item["label"]) for item in client.get("/").context["app_nav"]]
    assert "续保 / Renewals" in labels
    assert "我的理赔 / My claims" not in labels and "驾驶舱 / Cockpit" not in labels
    me = UserFactory(username="nav-customer", role=Role.CUSTOMER, customer=CustomerFactory())
    client.force_login(me)
    labels = [str(item["label"]) for item in client.get("/").context["app_nav"]]
    assert "我的理赔 / My claims" in labels and "续保 / Renewals" not in labels
    shop = UserFactory(username="nav-partner", role=Role.PARTNER_USER, partner=PartnerFactory())
    client.force_login(shop)
    # A partner's scorecard and commissions are one ecosystem menu.
    labels = [
        str(entry["label"])
        for item in client.get("/").context["app_nav"]
        for entry in item.get("children", [item])
    ]
    assert "我的评分卡 / Our scorecard" in labels and "我的手续费 / Our commissions" in labels
    assert "我的理赔 / My claims" not in labels
    assert "增值服务 / Services" not in labels  # partners have no alliance page
    boss = UserFactory(username="nav-manager", role=Role.MANAGER)
    client.force_login(boss)
    nav = client.get("/").context["app_nav"]
    labels = [str(item["label"]) for item in nav]
    assert labels.count("增值服务 / Services") == 1
    # An app offering several pages is one menu named after the app: the bar stays short.
    claims = next(item for item in nav if str(item["label"]) == "理赔 / Claims")
    assert [str(c["label"]) for c in claims["children"]] == [
        "理赔 / Claims",
        "核赔 / Approvals",
        "赔款支付 / Claim payments",  # payees, bank batches and return files (#16)
        "理赔看板 / Claims dashboard",
        "待寄信函 / Letters to post",  # the legal notices' letters, posted by claims staff
    ]
    assert len(nav) <= 8, labels
    page = client.get("/claims/approvals/").content.decode()
    assert '<details class="menu"><summary aria-current="page">理赔 / Claims</summary>' in page
