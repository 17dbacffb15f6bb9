"""A fast-track claim from the customer's phone page to payment, and a complex claim with an
injury through escalation to the manager. Screenshots go to docs/screenshots/ with CARECIRCLE_SCREENSHOTS=1."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from carecircle.claims import rulecache
from carecircle.claims.models import Claim, ClaimPayment
from carecircle.core import clock
from carecircle.core.roles import Role
from tests.claims.bank_support import send_and_confirm
from tests.claims.services.test_workflow import report, walk_to_adjusted
from tests.factories import UserFactory
from tests.factories.claims import policy_with_cover
from tests.playwright_fixtures import SHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"


@pytest.fixture
def book(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    # The screening task (fast track) runs in the request after commit, as a worker would
    # shortly after; the admin-rule cache starts empty.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    rulecache.clear()
    with clock.frozen_at(NOW):
        policy = policy_with_cover()
        people = {
            "customer": UserFactory(
                username="cust01", role=Role.CUSTOMER, customer=policy.customer
            ),
            "handler": UserFactory(username="claims01", role=Role.CLAIMS_HANDLER),
            "approver": UserFactory(username="approver01", role=Role.CLAIMS_APPROVER),
            "manager": UserFactory(username="manager01", role=Role.MANAGER),
        }
        yield policy, people


def log_in(page, live_server, username, next_path):
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-for-tests-1")
    page.get_by_role("button", name="登录 / Log in").click()
    expect(page).to_have_url(live_server.url + next_path)


def test_fast_track_from_the_phone_page_to_payment(page, live_server, book):
    _, people = book
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server, "cust01", "/claims/my/report/")
    page.fill("#id_accident_at", "2026-03-02T08:30")
    page.fill("#id_location", "杭州西湖区文三路")
    page.fill("#id_description", "停车时被剐蹭左后门")
    page.fill("#id_customer_estimate", "1800")
    expect(page.locator("#id_own_car")).to_be_checked()  # only my car: a single-vehicle accident
    page.select_option("#id_liability", "full")
    page.set_input_files(
        "#id_photos", files=[{"name": "door.png", "mimeType": "image/png", "buffer": PNG}]
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "claims-report-phone.png"), full_page=True)
    # Focus the button first: after a full-page screenshot the page scrolls when the focused
    # estimate field loses focus, so a plain click's mouse-up lands on another element and
    # Chromium sends the click to the form (no submit).
    page.get_by_role("button", name="提交报案 / Report").focus()
    page.get_by_role("button", name="提交报案 / Report").click()
    # the report is saved when the browser lands on it: read the row only then
    page.wait_for_url(re.compile(r".*/claims/my/\d+/$"))
    claim = Claim.objects.get()
    expect(page).to_have_url(f"{live_server.url}/claims/my/{claim.pk}/")
    expect(page.locator("#next-step")).to_contain_text("正在定损")
    expect(page.locator("#promised-on")).to_have_text("2026-03-03")
    expect(page.locator("#progress li.current")).to_have_attribute("data-status", "registered")

    log_in(page, live_server, "claims01", f"/claims/{claim.pk}/")
    form = page.locator("form[data-action=assess]")
    form.locator("input[name=parts]").fill("1200")
    form.locator("input[name=labour]").fill("400")
    form.locator("textarea[name=reason]").fill("远程定损：照片清晰")
    form.get_by_role("button").click()
    # Straight through to the payment, which waits for the bank (ADR 0016) …
    expect(page.locator("#claim-status")).to_have_text("已核赔 / Approved")
    expect(page.locator("#timeline li[data-action=payment_created]")).to_have_count(1)
    payment = ClaimPayment.objects.get(claim=claim)
    assert payment.amount == Decimal("1600.00")
    # … and the claim is paid when the bank confirms it.
    send_and_confirm(payment, people["handler"])
    page.reload()
    expect(page.locator("#claim-status")).to_have_text("已支付 / Paid")
    expect(page.locator("#claim-paid")).to_have_text("¥1,600.00")
    expect(page.locator("#timeline li[data-action=pay]")).to_have_count(1)

    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server, "cust01", f"/claims/my/{claim.pk}/")
    expect(page.locator("#paid")).to_have_text("¥1,600.00")
    expect(page.locator("#progress li.current")).to_have_attribute("data-status", "paid")
    page.screenshot(path=str(SHOTS / "claims-paid-phone.png"), full_page=True)


def test_an_injury_claim_above_the_approvers_limit_escalates_to_the_manager(
    page, live_server, book
):
    policy, people = book
    with clock.frozen_at(NOW):
        claim = report(policy, people["handler"], injury=True)
        claim = walk_to_adjusted(claim, people["handler"], parts="60000")
    log_in(page, live_server, "approver01", "/claims/approvals/")
    row = page.locator(f"#approvals tr[data-claim={claim.claim_no}]")
    expect(row).to_contain_text("超权限，需上报 / above your limit")
    row.get_by_role("link").click()
    page.locator("form[data-action=approve] button").click()
    expect(page.locator("#claim-error")).to_contain_text("escalated to manager")
    expect(page.locator("#timeline li[data-action=escalate]")).to_have_count(1)

    log_in(page, live_server, "manager01", f"/claims/{claim.pk}/")
    page.locator("form[data-action=approve] textarea").fill("人伤案件，经理核赔")
    page.locator("form[data-action=approve] button").click()
    expect(page.locator("#claim-status")).to_have_text("已核赔 / Approved")
    # 63,000 to the insured: above the second-approval line, it waits for another person.
    page.locator("form[data-action=pay-default] button").click()
    expect(page.locator("#payments tr[data-payment]")).to_have_attribute("data-status", "created")
    expect(page.locator("#claim-paid")).to_have_text("¥0.00")
    page.screenshot(path=str(SHOTS / "claims-escalated.png"), full_page=True)
    claim.refresh_from_db()
    assert (claim.approved_by, claim.status) == (people["manager"], "approved")
