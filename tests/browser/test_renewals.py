"""A seat's renewal day in Chromium: the keyboard queue, a call, a quote (and one refused
outside the band), the acceptance recorded (the policy waits for the payment); the law
blocking a call at 21:05 and a customer without consent; the supervisor's pipeline page. Screenshots go to docs/screenshots/ with CARECIRCLE_SCREENSHOTS=1."""

import pytest
from playwright.sync_api import expect

from carecircle.core import clock
from carecircle.core.roles import Role
from carecircle.policies.models import Policy
from carecircle.renewals.models import ComplianceBlock, RenewalTask
from carecircle.renewals.services.pipeline import run_pipeline
from tests.factories import CustomerFactory, UserFactory
from tests.playwright_fixtures import SHOTS
from tests.policies.proposal_setup import pay
from tests.renewals.conftest import AS_OF, at, expiring, make_seat

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def day(settings):
    settings.CARECIRCLE_CTI = "carecircle.renewals.cti.AlwaysConnects"
    with clock.frozen_at(at(AS_OF, 10)):
        seat = make_seat("seat01")
        seat.display_name = "李坐席"
        seat.save()
        first = expiring(
            35, premium="3000.00", customer=CustomerFactory(name="周杰", marketing_consent=True)
        )
        second = expiring(
            33, premium="2000.00", customer=CustomerFactory(name="吴芳", marketing_consent=True)
        )
        quiet = expiring(
            31, premium="2500.00", customer=CustomerFactory(name="郑强", marketing_consent=False)
        )
        run_pipeline()
        UserFactory(username="boss", role=Role.MANAGER)
        yield seat, first, second, quiet


def log_in(page, live_server, username, next_path):
    page.goto(live_server.url + next_path)
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-for-tests-1")
    page.get_by_role("button", name="登录 / Log in").click()
    expect(page).to_have_url(live_server.url + next_path)


def test_a_seats_renewal_day(page, live_server, day):
    _seat, first, second, quiet = day
    log_in(page, live_server, "seat01", "/renewals/")
    rows = page.locator("#renewal-queue tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(2)).to_contain_text("不可外呼")
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "renewal-queue.png"), full_page=True)

    # Keyboard: the first row is the highest priority; Enter opens it.
    rows.first.focus()
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text("周杰")
    expect(page.locator("#quote-total")).to_contain_text("3,255.00")

    page.get_by_role("button", name="拨打 / Call").click()
    expect(page.locator(".messages")).to_contain_text("已接通")

    page.fill("#id_pricing_coefficient", "1.6")
    page.click("#quote-button")
    expect(page.locator(".messages .error")).to_contain_text("1.5")
    page.fill("#id_pricing_coefficient", "0.9")
    page.click("#quote-button")
    expect(page.locator("#quote-total")).to_contain_text("3,015.00")
    page.screenshot(path=str(SHOTS / "renewal-task.png"), full_page=True)

    # 见费出单: "accepted" makes the proposal; the policy is issued when the customer pays
    # (tests/browser/test_renewal_payment.py follows the customer through the payment).
    page.select_option("#id_outcome", "accepted")
    page.click("#outcome-button")
    expect(page.locator(".messages")).to_contain_text("结果已记录")
    expect(page.locator("#proposal-status")).to_contain_text("待支付")
    assert not Policy.objects.filter(renews=first).exists()
    assert pay(RenewalTask.objects.get(policy=first).proposal).outcome == "issued"
    successor = Policy.objects.get(renews=first)
    assert successor.premium.to_eng_string() == "2160.00"

    # 21:05: the law blocks the call and the attempt is logged.
    page.goto(live_server.url + f"/renewals/task/{RenewalTask.objects.get(policy=second).pk}/")
    with clock.frozen_at(at(AS_OF, 21, 5)):
        page.get_by_role("button", name="拨打 / Call").click()
        expect(page.locator(".messages .error")).to_contain_text("21:05")
    # No consent: blocked with the reason, before dialling.
    page.goto(live_server.url + f"/renewals/task/{RenewalTask.objects.get(policy=quiet).pk}/")
    expect(page.locator(".compliance-blocks")).to_contain_text("未明示同意")
    page.get_by_role("button", name="拨打 / Call").click()
    expect(page.locator(".messages .error")).to_contain_text("未明示同意")
    assert sorted(ComplianceBlock.objects.values_list("rule", flat=True)) == [
        "calling_hours",
        "no_consent",
    ]


def test_the_supervisor_sees_the_pipeline(page, live_server, day):
    log_in(page, live_server, "boss", "/renewals/pipeline/")
    expect(page.locator("#by-stage")).to_contain_text("telesales")
    expect(page.locator("#by-assignee")).to_contain_text("李坐席")
    page.screenshot(path=str(SHOTS / "renewal-pipeline.png"), full_page=True)
