"""A two-car accident reported on the customer's phone, on their vehicle (not a policy): the
claim is linked to the car's 商业险 and 交强险, and the handler takes it through survey,
assessment and adjustment — 交强险 first, then 商业险 — and the approver approves it, with no
"nothing payable" dead end. Screenshots go to docs/screenshots/ with CARECIRCLE_SCREENSHOTS=1."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from carecircle.claims import rulecache
from carecircle.claims.models import Claim
from carecircle.core import clock
from carecircle.core.roles import Role
from tests.claims.services.test_report_on_vehicle import both_policies
from tests.factories import UserFactory
from tests.playwright_fixtures import SHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture
def book(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    rulecache.clear()
    with clock.frozen_at(NOW):
        compulsory, commercial = both_policies()
        UserFactory(username="cust02", role=Role.CUSTOMER, customer=commercial.customer)
        UserFactory(username="claims02", role=Role.CLAIMS_HANDLER)
        UserFactory(username="approver02", role=Role.CLAIMS_APPROVER)
        yield compulsory, commercial


def log_in(page, live_server, username, next_path):
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-for-tests-1")
    page.get_by_role("button", name="登录 / Log in").click()
    expect(page).to_have_url(live_server.url + next_path)


def step(page, action, status, **fields):
    """Fill one step's form on the claim page, submit it, wait for the new status."""
    form = page.locator(f"form[data-action={action}]")
    for name, value in fields.items():
        form.locator(f"[name={name}]").fill(value)
    form.get_by_role("button").click()
    expect(page.locator("#claim-status")).to_have_text(status)


def test_a_two_car_accident_from_the_phone_is_paid_by_compulsory_then_commercial(
    page, live_server, book
):
    compulsory, commercial = book
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server, "cust02", "/claims/my/report/")
    # the report is on the vehicle, its cover in force shown beside it
    vehicle = page.locator("#id_vehicle")
    expect(vehicle.locator("option")).to_have_count(1)
    expect(vehicle.locator("option")).to_contain_text("交强险 ✓ 商业险 ✓")
    expect(page.locator("#id_policy")).to_have_count(0)
    page.fill("#id_accident_at", "2026-03-02T08:30")
    page.fill("#id_location", "杭州西湖区文三路口")
    page.fill("#id_description", "变道时与另一辆车相撞，双方车辆受损")
    expect(page.locator("#id_own_car")).to_be_checked()
    page.check("#id_other_car")
    page.select_option("#id_liability", "main")
    # nothing on the phone page is wider than the screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "claims-two-car-report-phone.png"), full_page=True)
    page.get_by_role("button", name="提交报案 / Report").click()
    page.wait_for_url(re.compile(r".*/claims/my/\d+/$"))  # saved: read the row only now
    claim = Claim.objects.get()
    expect(page).to_have_url(f"{live_server.url}/claims/my/{claim.pk}/")
    assert (claim.policy_id, claim.compulsory_policy_id, claim.single_vehicle) == (
        commercial.pk,
        compulsory.pk,
        False,
    )

    page.set_viewport_size({"width": 1200, "height": 800})
    log_in(page, live_server, "claims02", f"/claims/{claim.pk}/")
    step(page, "dispatch", "已调度 / Dispatched")
    step(page, "survey", "已查勘 / Surveyed")
    step(page, "register", "已立案 / Registered")
    step(page, "assess", "已定损 / Assessed", parts="5000", labour="2000", paint="1000")
    step(page, "check_loss", "已核价核损 / Loss checked")
    step(
        page, "adjust", "已理算 / Adjusted",
        liability_share="0.7", other_vehicle_damage="6000", deductible="0",
    )  # fmt: skip
    expect(page.locator("#claim-error")).to_have_count(0)
    rows = page.locator("#adjustment tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.nth(0)).to_contain_text("compulsory · property")
    expect(rows.nth(0)).to_contain_text("¥2000.00")
    expect(rows.nth(1)).to_contain_text("third_party · excess")
    expect(rows.nth(1)).to_contain_text("¥2800.00")
    expect(rows.nth(2)).to_contain_text("vehicle_damage · own_damage")
    expect(rows.nth(2)).to_contain_text("¥5600.00")
    expect(rows.nth(3)).to_contain_text("¥10400.00")
    page.screenshot(path=str(SHOTS / "claims-two-car-adjusted.png"), full_page=True)

    log_in(page, live_server, "approver02", f"/claims/{claim.pk}/")
    page.locator("form[data-action=approve] textarea").fill("交强险先赔，商业险赔超出部分及本车")
    page.locator("form[data-action=approve] button").click()
    expect(page.locator("#claim-status")).to_have_text("已核赔 / Approved")
    claim.refresh_from_db()
    assert (claim.status, claim.amount_approved) == ("approved", Decimal("10400.00"))
