"""Lists that act in Chromium (#16): a seat opens a black-listed customer's renewal and sees
the list entry and the underwriting referral (交强险 can still be quoted); the underwriter
accepts it with conditions on the queue's decision page; the seat then quotes the commercial
cover within them — below the underwriter's minimum is refused naming the entry."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from carecircle.core import clock
from carecircle.core.roles import Role
from carecircle.renewals.models import RenewalTask, UnderwritingReferral
from carecircle.renewals.services.pipeline import run_pipeline
from carecircle.value.models import ListEntry
from carecircle.value.services import decisions
from tests.factories import CustomerFactory, UserFactory
from tests.playwright_fixtures import SHOTS
from tests.renewals.conftest import AS_OF, at, expiring, make_seat

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def listed(settings):
    with clock.frozen_at(at(AS_OF, 10)):
        make_seat("seat01")
        lead = expiring(
            35, premium="3000.00", customer=CustomerFactory(name="周杰", marketing_consent=True)
        )
        run_pipeline()
        boss = UserFactory(username="boss", role=Role.MANAGER)
        UserFactory(username="uw01", role=Role.UNDERWRITER, display_name="周核保")
        entry = ListEntry.objects.create(
            customer=lead.customer,
            kind="black",
            reasons="list_black,loss_ratio",
            evidence={"claims_3y": 6, "loss_ratio_credible": "1.9"},
        )
        decisions.approve_list_entry(
            entry.pk,
            expires_on=AS_OF + dt.timedelta(days=365),
            note="同一修理厂反复出险",
            acting_user=boss,
        )
        yield RenewalTask.objects.get(policy=lead), entry


def log_in(page, live_server, username, next_path):
    page.context.clear_cookies()
    page.goto(live_server.url + next_path)
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-for-tests-1")
    page.get_by_role("button", name="登录 / Log in").click()
    expect(page).to_have_url(live_server.url + next_path)


def test_a_black_listed_renewal_is_referred_decided_and_quoted(page, live_server, listed):
    task, entry = listed
    task_path = f"/renewals/task/{task.pk}/"
    log_in(page, live_server, "seat01", task_path)
    expect(page.locator("#list-effect")).to_contain_text(f"黑名单 #{entry.pk}")
    expect(page.locator("#list-reasons")).to_contain_text("同一修理厂反复出险")
    expect(page.locator("#referral-status")).to_have_text("待核保 / Awaiting underwriting")
    expect(page.locator("#quote-list-refusal")).to_contain_text("商业险已转核保")
    page.click("#quote-button")  # 交强险 alone is never refused
    expect(page.locator("#quote-compulsory")).to_contain_text("855.00")
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "underwriting-referred.png"), full_page=True)

    log_in(page, live_server, "uw01", "/renewals/underwriting/")
    referral = UnderwritingReferral.objects.get(task=task)
    row = page.locator(f'#referral-queue tr[data-referral="{referral.pk}"]')
    expect(row).to_contain_text("周杰")
    row.get_by_role("link", name="周杰").click()
    expect(page.locator("#referral-list-reasons")).to_contain_text("三年6次赔案")
    page.check('input[name="decision"][value="accept"]')
    page.fill("#id_min_pricing", "1.1")
    page.fill("#id_excess_note", "每次事故绝对免赔 1000 元")
    page.click("#decide-button")
    expect(page.locator("#referral-status")).to_have_text("有条件承保 / Accepted with conditions")
    page.screenshot(path=str(SHOTS / "underwriting-decided.png"), full_page=True)

    log_in(page, live_server, "seat01", task_path)
    expect(page.locator("#referral-conditions")).to_contain_text("自主定价系数不低于 1.100")
    page.fill("#id_pricing_coefficient", "1.05")
    page.click("#quote-button")
    expect(page.locator(".messages .error")).to_contain_text(
        f"自主定价系数不得低于 1.100 / no pricing coefficient below 1.100 — 黑名单 #{entry.pk}"
    )
    page.fill("#id_pricing_coefficient", "1.2")
    page.click("#quote-button")
    expect(page.locator("#quote-pricing")).to_have_text("1.200")
    expect(page.locator("#quote-commercial")).to_contain_text("2,880.00")  # 3000 × 0.8 × 1.2
