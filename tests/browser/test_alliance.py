"""A customer sees a voucher (its code and QR) on the H5 page, the merchant redeems it on the
portal by scanning the QR, and the service manager's monthly statement shows it at the agreed
price."""

import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from carecircle.alliance.models import Redemption
from carecircle.core import clock
from carecircle.core.roles import Role
from tests.factories import CustomerFactory, UserFactory
from tests.factories.alliance import VoucherFactory, merchant_with_offer
from tests.playwright_fixtures import SHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NOW = dt.datetime(2026, 6, 12, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture
def alliance_book():
    with clock.frozen_at(NOW):
        merchant, offer, _location, merchant_user = merchant_with_offer(price="35.50")
        merchant.name = "西湖洗车服务中心"
        merchant.save()
        customer = CustomerFactory(customer_no="C20000001", name="钱多多")
        voucher = VoucherFactory(product=offer.product, customer=customer)
        UserFactory(username="cust01", role=Role.CUSTOMER, customer=customer)
        merchant_user.username = "merchant01"
        merchant_user.save()
        UserFactory(username="svc01", role=Role.SERVICE_MANAGER)
        yield voucher, merchant


def log_in(page, live_server, username, next_path):
    page.context.clear_cookies()
    page.goto(live_server.url + next_path)
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-for-tests-1")
    page.get_by_role("button", name="登录 / Log in").click()
    expect(page).to_have_url(live_server.url + next_path)


def test_customer_sees_a_voucher_merchant_redeems_it_statement_shows_it(
    page, live_server, alliance_book
):
    voucher, _merchant = alliance_book
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    # the customer's H5 page shows the code to present
    log_in(page, live_server, "cust01", "/alliance/my/")
    card = page.locator(".voucher[data-status=issued]")
    expect(card).to_have_count(1)
    expect(card.locator(".voucher-code")).to_have_text(voucher.display_code)
    # ... and its QR, drawn inline, with a PNG to save
    expect(card.locator(".voucher-qr svg")).to_have_count(1)
    box = card.locator(".voucher-qr svg").bounding_box()
    assert box is not None and box["width"] >= 100 and box["width"] == box["height"]
    png_link = card.locator(".voucher-qr a")
    png = page.request.get(live_server.url + png_link.get_attribute("href"))
    assert (png.status, png.headers["content-type"]) == (200, "image/png")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "alliance-customer.png"), full_page=True)

    # the merchant scans the QR with a till scanner: it types the QR's link into the field
    log_in(page, live_server, "merchant01", "/alliance/merchant/")
    scanned = f"{live_server.url}/alliance/merchant/?code={voucher.display_code}"
    page.fill("#code", scanned)
    page.get_by_role("button", name="核销 / Redeem").click()
    expect(page.locator("#redeemed")).to_contain_text("核销成功 / Redeemed")
    expect(page.locator("#redeemed")).to_contain_text("¥35.50")
    expect(page.locator("#redeemed")).to_contain_text("钱**")
    expect(page.locator("#todays-list tbody tr")).to_have_count(1)
    # the list shows the code masked: only the voucher's owner reads it whole (#15, ADR 0008)
    expect(page.locator("#todays-list")).to_contain_text(voucher.masked_code)
    expect(page.locator("#todays-list")).not_to_contain_text(voucher.display_code)
    # a second try, typed (lower case, as read aloud), is refused in place, in both languages
    page.fill("#code", voucher.display_code.lower())
    page.get_by_role("button", name="核销 / Redeem").click()
    expect(page.locator("#redeem-result .error")).to_contain_text("该券已使用")
    expect(page.locator("#redeem-result .error")).to_contain_text("already been used")
    page.screenshot(path=str(SHOTS / "alliance-merchant.png"), full_page=True)
    assert Redemption.objects.get().agreed_price == Decimal("35.50")

    # the service manager builds June's statements; the line is there at the agreed price
    log_in(page, live_server, "svc01", "/alliance/statements/")
    page.fill("input[name=month]", "2026-06")
    page.get_by_role("button", name="生成/重算对账单 / Build or recompute statements").click()
    row = page.locator("#statements tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("西湖洗车服务中心")
    expect(row).to_contain_text("¥35.50")
    row.get_by_role("link", name="2026-06").click()
    expect(page.locator("#statement-total")).to_have_text("¥35.50")
    expect(page.locator("#statement-lines")).to_contain_text(voucher.masked_code)
    page.screenshot(path=str(SHOTS / "alliance-statement.png"), full_page=True)

    # and the activity dashboard counts the customer as active
    page.goto(live_server.url + "/alliance/dashboard/")
    expect(page.locator("#activity-rate")).to_have_text("100%")
    expect(page.locator("#tier-chart svg")).to_have_count(1)
    assert errors == []


def test_the_customers_services_page_fits_a_phone_screen(browser, live_server, alliance_book):
    voucher, _ = alliance_book
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        log_in(page, live_server, "cust01", "/alliance/my/")
        expect(page.locator(".voucher-code")).to_have_text(voucher.display_code)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        wide = page.evaluate(
            "[...document.querySelectorAll('body *')].filter(e => "
            "e.getBoundingClientRect().right > window.innerWidth + 1)"
            ".map(e => e.tagName + '.' + e.className).slice(0, 8)"
        )
        assert overflow <= 0, wide
        page.screenshot(path=str(SHOTS / "alliance-customer-phone.png"), full_page=True)
    finally:
        context.close()
