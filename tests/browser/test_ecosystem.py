"""Browser tests of the ecosystem: the manager's cockpit, a partner's scorecard with
drill-down (and another partner's refused), a complaint's life from receipt to the customer's
confirmation, and a survey answered once."""

import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from carecircle.core import clock
from carecircle.core.roles import Role
from carecircle.ecosystem import cockpit, scorecards
from carecircle.touchpoints.models import Complaint
from carecircle.touchpoints.services import surveys
from tests.factories import (
    SH,
    AgreementFactory,
    CustomerFactory,
    PartnerFactory,
    PolicyFactory,
    UserFactory,
)
from tests.factories import PlainClaimFactory as ClaimFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NOW = dt.datetime(2026, 3, 10, 10, 0, tzinfo=SH)
FEB = dt.date(2026, 2, 1)


@pytest.fixture
def book():
    with clock.frozen_at(NOW):
        yield _book()


def _book():
    shop = PartnerFactory(code="P4S100", name="西湖大众4S店")
    rival = PartnerFactory(code="P4S200", name="钱江丰田4S店")
    AgreementFactory(
        partner=shop,
        agreement_no="AG-WEST-01",
        premium_target_monthly=Decimal("5000"),
        repair_to_premium_min=Decimal("0.3"),
        repair_to_premium_max=Decimal("0.6"),
    )
    owner = CustomerFactory(customer_no="C00000501", name="周杰伦", marketing_consent=True)
    policy = PolicyFactory(
        vehicle__owner=owner,
        vehicle__plate="浙A12345",
        partner=shop,
        effective_date=dt.date(2026, 2, 10),
        expiry_date=dt.date(2027, 2, 10),
        premium=Decimal("4000"),
    )
    PolicyFactory(partner=rival, effective_date=dt.date(2026, 2, 12), premium=Decimal("3000"))
    ClaimFactory(
        claim_no="CLM-WEST-1",
        policy=policy,
        repair_shop=shop,
        amount_paid=Decimal("1800"),
        status="paid",
        paid_at=dt.datetime(2026, 2, 8, 10, 0, tzinfo=SH),
    )
    UserFactory(username="boss", role=Role.MANAGER, display_name="王经理")
    UserFactory(username="svc", role=Role.SERVICE_MANAGER, display_name="孙服务经理")
    UserFactory(username="shop", role=Role.PARTNER_USER, partner=shop)
    UserFactory(username="zhou", role=Role.CUSTOMER, customer=owner)
    scorecards.compute_month(FEB)
    cockpit.compute_book_month(FEB)
    return {"shop": shop, "rival": rival, "owner": owner, "policy": policy}


def log_in(page, live_server, username, next_path, lands_on=None):
    page.goto(live_server.url + next_path)
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-for-tests-1")
    page.get_by_role("button", name="登录 / Log in").click()
    expect(page).to_have_url(live_server.url + (lands_on or next_path))


def test_the_manager_sees_the_cockpit_with_charts_and_exports_it(page, live_server, book):
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    log_in(page, live_server, "boss", "/ecosystem/?month=2026-02")
    expect(page.locator("h1")).to_have_text("经理驾驶舱 / Manager's cockpit")
    expect(page.locator("[data-figure=premium] .figure-value")).to_have_text("¥7,000.00")
    expect(page.locator("#touchpoints tbody tr")).to_have_count(5)
    expect(page.locator("#chart-trend svg")).to_have_count(1)
    expect(page.locator("#chart-touchpoints svg")).to_have_count(1)
    expect(page.locator("#tiers-not-yet")).to_contain_text("Not yet available")
    with page.expect_download() as download:
        page.locator("#export").click()
    assert download.value.suggested_filename == "cockpit-2026-02.csv"
    assert errors == []


def test_a_partner_follows_its_scorecard_to_the_policies_and_is_refused_a_rivals(
    page, live_server, book
):
    shop = book["shop"]
    log_in(page, live_server, "shop", "/ecosystem/portal/", f"/ecosystem/partners/{shop.pk}/")
    page.goto(f"{live_server.url}/ecosystem/partners/{shop.pk}/?month=2026-02")
    expect(page.locator("#scorecard-title")).to_contain_text("西湖大众4S店")
    premium = page.locator("[data-line=premium_brought]")
    expect(premium).to_have_attribute("data-verdict", "below")
    expect(premium.locator("a")).to_have_text("¥4,000.00")
    expect(page.locator("[data-line=repair_to_premium]")).to_have_attribute("data-verdict", "met")
    premium.locator("a").click()
    expect(page.locator("#drill-count")).to_contain_text("1 records")
    row = page.locator("#drill tbody tr")
    expect(row).to_contain_text(book["policy"].policy_no)
    expect(row).to_contain_text("周**")
    expect(row).to_contain_text("浙A***45")
    expect(page.locator("#drill")).not_to_contain_text("周杰伦")
    response = page.goto(f"{live_server.url}/ecosystem/partners/{book['rival'].pk}/")
    assert response is not None and response.status == 403


def test_a_complaint_from_receipt_to_the_customers_confirmation(page, live_server, book):
    log_in(page, live_server, "svc", "/ecosystem/complaints/new/")
    page.fill("#id_customer_no", "C00000501")
    page.select_option("#id_channel", "phone")
    page.select_option("#id_category", "designated_shop")
    page.select_option("#id_severity", "normal")
    page.select_option("#id_touchpoint", "claims")
    page.fill("#id_summary", "4S店返修三次仍未修好")
    page.fill("#id_claim_no", "CLM-WEST-1")
    page.fill("#id_partner_code", "P4S100")
    page.get_by_role("button", name="受理 / Receive").click()
    expect(page.locator("#complaint-status")).to_have_attribute("data-status", "received")
    expect(page.locator("#complaint-due")).to_contain_text("2026-03-17 10:00")
    page.locator("#act-start").click()
    expect(page.locator("#complaint-status")).to_have_attribute("data-status", "in_progress")
    page.fill("#resolve-form textarea[name=resolution]", "协调4S店免费返修并延长质保")
    page.locator("#act-resolve").click()
    expect(page.locator("#complaint-status")).to_have_attribute("data-status", "resolved")
    complaint = Complaint.objects.get()

    page.context.clear_cookies()
    log_in(page, live_server, "zhou", f"/ecosystem/complaints/{complaint.pk}/")
    expect(page.locator("#complaint-resolution")).to_have_text("协调4S店免费返修并延长质保")
    page.locator("#act-confirm").click()
    expect(page.locator("#complaint-status")).to_have_attribute("data-status", "closed")
    expect(page.locator("#complaint-confirmed")).to_contain_text("满意")
    expect(page.locator("#complaint-events li")).to_have_count(4)


def test_a_customer_answers_a_survey_once(page, live_server, book):
    survey = surveys.send_survey(book["owner"], "service_used", partner=book["shop"])
    assert survey.status == "sent"
    page.goto(live_server.url + surveys.survey_path(survey))
    expect(page.locator("h1")).to_contain_text("增值服务")
    page.locator("input[name=csat][value='4']").check()
    page.locator("input[name=nps][value='9']").check()
    page.fill("textarea[name=comment]", "服务很专业")
    page.get_by_role("button", name="提交 / Submit").click()
    expect(page.locator("#survey-thanks")).to_be_visible()
    page.goto(live_server.url + surveys.survey_path(survey))
    expect(page.locator("#survey-answered")).to_be_visible()
    survey.refresh_from_db()
    assert (survey.csat, survey.nps, survey.comment) == (4, 9, "服务很专业")


def test_a_complaint_past_its_deadline_shows_on_the_cockpit_and_is_escalated(
    page, live_server, book
):
    from carecircle.core.models import User
    from carecircle.touchpoints.services import complaints

    with clock.frozen_at(NOW - dt.timedelta(hours=30)):  # critical: 24 hours to answer
        c = complaints.receive(
            book["owner"],
            acting_user=User.objects.get(username="svc"),
            channel="regulator",
            category="claims_amount",
            severity="critical",
            touchpoint="claims",
            summary="12378转来：定损过低",
        )
    log_in(page, live_server, "boss", "/ecosystem/?month=2026-02")
    overdue = page.locator("[data-figure=overdue]")
    expect(overdue.locator(".figure-value")).to_have_text("1")  # live, before any command
    expect(overdue).to_contain_text("已升级 0")
    overdue.locator("a").click()
    row = page.locator(f"tr[data-complaint='{c.complaint_no}']")
    expect(row).to_have_class("is-overdue")
    assert complaints.escalate_overdue(NOW) == 1  # what `carecircle complaints escalate` runs
    page.goto(f"{live_server.url}/ecosystem/?month=2026-02")
    expect(overdue).to_contain_text("已升级 1")
    page.goto(f"{live_server.url}/ecosystem/complaints/?status=open")
    expect(row.locator("td").last).to_have_text("1")  # escalation level
