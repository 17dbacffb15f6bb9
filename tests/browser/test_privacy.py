"""In Chromium on a 390-px phone: a customer withdraws marketing consent, downloads a copy of
their data and asks a person to review their tier; the service manager then sees the requests
in the queue and answers, and the customer reads the answer. Screenshots go to
docs/screenshots/ with CARECIRCLE_SCREENSHOTS=1."""

import datetime as dt
import json
import re
import zipfile

import pytest
from playwright.sync_api import expect

from carecircle.core import clock
from carecircle.core.roles import Role
from carecircle.parties import consent
from carecircle.privacy.models import PrivacyRequest
from tests.factories import (
    CustomerFactory,
    CustomerValueFactory,
    OrgUnitFactory,
    PolicyFactory,
    TierHistoryFactory,
    UserFactory,
    VehicleFactory,
)
from tests.playwright_fixtures import SHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def book(settings):
    # The data copy is made by the worker; here the immediate backend runs it after commit.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with clock.frozen_at(NOW):
        unit = OrgUnitFactory(name="西湖营业部")
        customer = CustomerFactory(name="张三", unit=unit, customer_no="C20260302")
        PolicyFactory(vehicle=VehicleFactory(owner=customer, plate="浙A12345"))
        CustomerValueFactory(customer=customer, tier="silver", reasons="tenure,loss_ratio")
        TierHistoryFactory(customer=customer, tier="silver", as_of=dt.date(2026, 3, 1))
        consent.grant(customer, "marketing", channel="sms", source="import", acting_user=None)
        UserFactory(username="cust01", role=Role.CUSTOMER, customer=customer)
        UserFactory(username="svc01", role=Role.SERVICE_MANAGER, unit=unit, display_name="周经理")
        yield customer


def log_in(page, live_server, username, next_path):
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-for-tests-1")
    page.get_by_role("button", name="登录 / Log in").click()
    expect(page).to_have_url(live_server.url + next_path)


def submit(page, name):
    # After a full-page screenshot the page scrolls when a field loses focus: focus the button
    # first so the click lands on it.
    button = page.get_by_role("button", name=name)
    button.focus()
    button.click()


def test_a_customer_exercises_their_rights_on_the_phone_and_the_service_manager_answers(
    page, live_server, book
):
    customer = book
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_viewport_size(PHONE)
    SHOTS.mkdir(parents=True, exist_ok=True)

    # 1. Withdraw marketing consent (parties' phone page).
    log_in(page, live_server, "cust01", "/consents/my/")
    expect(page.locator('section[data-key="marketing:sms"]')).to_have_attribute(
        "data-status", "granted"
    )
    page.locator("#withdraw-marketing").focus()
    page.locator("#withdraw-marketing").click()
    expect(page.locator("#consent-done")).to_have_attribute("data-done", "withdrawn")
    expect(page.locator('section[data-key="marketing:sms"]')).to_have_attribute(
        "data-status", "withdrawn"
    )
    assert consent.allows(customer, "marketing", channel="sms") is False

    # 2. The rights page: the tier in plain words, no internal figure.
    page.get_by_role("link", name="我的信息权利 / My data rights").first.click()
    page.wait_for_url(f"{live_server.url}/privacy/my/")
    expect(page.locator("[data-tier]")).to_have_text("白银 / Silver")
    expect(page.locator('[data-reason="loss_ratio"]')).to_have_text(
        "我们看了您近三年的理赔情况 / we looked at your claims over the last three years"
    )
    expect(page.locator('[data-section="tier"]')).not_to_contain_text("%")
    # Mobile-first: nothing wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(SHOTS / "privacy-my-rights-phone.png"), full_page=True)

    # 3. Download a copy of my data.
    submit(page, "生成我的数据副本 / Prepare a copy of my data")
    page.wait_for_url(re.compile(r".*/privacy/my/\?filed=\d+#request-\d+$"))
    link = page.get_by_role("link", name="下载文件 / Download the file")
    expect(link).to_be_visible()
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == "carecircle-my-data-20260302.zip"
    z = zipfile.ZipFile(download.path())
    assert json.loads(z.read("manifest.json"))["customer_no"] == "C20260302"
    assert json.loads(z.read("data/vehicles.json"))[0]["plate"] == "浙A12345"
    history = json.loads(z.read("data/consents.json"))["history"]
    assert [e["action"] for e in history] == ["grant", "withdraw"]

    # 4. Ask a person to review my tier.
    page.select_option("#review-form select[name=subject]", "tier")
    page.fill("#review-form textarea[name=details]", "我五年没出险 / no claim in five years")
    submit(page, "提交复核请求 / Ask for a review")
    page.wait_for_url(re.compile(r".*/privacy/my/\?filed=\d+#request-\d+$"))
    review = PrivacyRequest.objects.get(kind="review")
    card = page.locator(f"#request-{review.pk}")
    expect(card).to_have_attribute("data-status", "open")
    expect(card).to_contain_text("2026-03-02 受理，2026-03-23 前答复")
    page.screenshot(path=str(SHOTS / "privacy-requests-phone.png"), full_page=True)

    # 5. The service manager sees both requests and answers the review.
    page.set_viewport_size({"width": 1200, "height": 800})
    log_in(page, live_server, "svc01", "/privacy/queue/")
    expect(page.locator(f"#row-{review.pk}")).to_contain_text("张三")
    expect(page.locator(f"#row-{review.pk}")).to_contain_text("我的客户等级 / My customer tier")
    page.get_by_role("link", name="已答复 / Answered").click()
    expect(page.locator('#privacy-requests tr[data-kind="export"]')).to_contain_text("已办理")
    page.get_by_role("link", name="处理中 / Being handled").click()
    page.get_by_role("link", name=review.reference).click()
    page.wait_for_url(f"{live_server.url}/privacy/requests/{review.pk}/")
    page.select_option("#id_decision", "granted")
    page.fill(
        "#id_answer", "经人工复核，您的等级调整为黄金 / a person reviewed it: you are now Gold"
    )
    page.screenshot(path=str(SHOTS / "privacy-answer.png"), full_page=True)
    submit(page, "发送答复 / Send the answer")
    page.wait_for_url(f"{live_server.url}/privacy/requests/{review.pk}/")
    expect(page.locator("#request-facts")).to_have_attribute("data-status", "answered")
    review.refresh_from_db()
    assert (review.status, review.decision, review.answered_by.username) == (
        "answered",
        "granted",
        "svc01",
    )

    # 6. The customer reads the written answer on their page.
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "cust01", "/privacy/my/")
    expect(page.locator(f"#request-{review.pk} [data-answer]")).to_have_text(
        "经人工复核，您的等级调整为黄金 / a person reviewed it: you are now Gold"
    )
    assert errors == []
