"""The customer's consents page on a 390-px phone: every purpose with its wording fits the
screen, one button withdraws marketing on every channel at once, and the history shows it."""

import pytest
from playwright.sync_api import expect

from carecircle.core.roles import Role
from carecircle.parties import consent
from tests.factories import CustomerFactory, UserFactory
from tests.playwright_fixtures import SHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def customer():
    customer = CustomerFactory(customer_no="C30000001", name="吴晓", marketing_consent=True)
    consent.grant(customer, "automated", source="import", acting_user=None)
    UserFactory(username="cust30", role=Role.CUSTOMER, customer=customer)
    return customer


def test_a_customer_withdraws_marketing_on_a_phone_and_sees_it_in_the_history(
    browser, live_server, customer
):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto(live_server.url + "/consents/my/")
        page.fill("#id_username", "cust30")
        page.fill("#id_password", "pw-for-tests-1")
        page.get_by_role("button", name="登录 / Log in").click()
        expect(page.locator("#consent-marketing-sms")).to_have_attribute("data-status", "granted")
        expect(page.locator("#wording-marketing-sms")).to_contain_text("by SMS")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        wide = page.evaluate(
            "[...document.querySelectorAll('body *')].filter(e => "
            "e.getBoundingClientRect().right > window.innerWidth + 1)"
            ".map(e => e.tagName + '.' + e.className).slice(0, 8)"
        )
        assert overflow <= 0, wide
        page.screenshot(path=str(SHOTS / "consents-phone.png"), full_page=True)

        page.locator("#withdraw-marketing").click()
        expect(page.locator("#consent-done")).to_have_attribute("data-done", "withdrawn")
        for channel in ("phone", "sms", "wechat", "email"):
            expect(page.locator(f"#consent-marketing-{channel}")).to_have_attribute(
                "data-status", "withdrawn"
            )
            expect(page.locator(f"#grant-marketing-{channel}")).to_be_visible()
        expect(page.locator("#consent-automated")).to_have_attribute("data-status", "granted")
        expect(
            page.locator('#consent-history li[data-action="withdraw"][data-key^="marketing:"]')
        ).to_have_count(4)
    finally:
        context.close()
    customer.refresh_from_db()
    assert customer.marketing_consent is False
    assert consent.allows(customer, "marketing") is False
