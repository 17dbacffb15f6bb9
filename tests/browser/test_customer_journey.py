"""A seat logs in, finds a customer by phone suffix and by plate, opens the 360 page, follows
the renewal chain and reveals the full phone number. Screenshots go to docs/screenshots/ with CARECIRCLE_SCREENSHOTS=1."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from carecircle.core import clock
from carecircle.core.models import AuditLog
from carecircle.core.roles import Role
from tests.factories import CustomerFactory, UserFactory
from tests.factories.history import customer_with_history
from tests.playwright_fixtures import SHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def seat_book():
    # A fixed "today" (shared with the live server's thread) keeps the screenshots stable.
    with clock.frozen_at(dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))):
        yield _seat_book()


def _seat_book():
    seat = UserFactory(username="seat01", role=Role.SEAT, display_name="李坐席")
    customer, *_ = customer_with_history(
        customer_no="C00000007", name="周杰", owner=seat, marketing_consent=True
    )
    customer.set_phone("13712345678")
    customer.save()
    for n, name in enumerate(["吴芳", "郑强"], start=8):
        other = CustomerFactory(customer_no=f"C{n:08d}", name=name, owner=seat)
        other.set_phone(f"1590000{n:04d}")
        other.save()
    CustomerFactory(customer_no="C00000099", name="王不可见")  # someone else's customer
    return seat, customer


def log_in(page, live_server, next_path):
    page.goto(live_server.url + next_path)
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next={next_path}")
    page.fill("#id_username", "seat01")
    page.fill("#id_password", "pw-for-tests-1")
    page.get_by_role("button", name="登录 / Log in").click()
    expect(page).to_have_url(live_server.url + next_path)


def search(page, query):
    page.fill("input[name=q]", query)
    page.press("input[name=q]", "Enter")


def test_seat_finds_a_customer_and_reveals_the_phone_on_the_360_page(page, live_server, seat_book):
    seat, customer = seat_book
    log_in(page, live_server, "/customers/")

    search(page, "5678")
    results = page.locator("#search-results")
    expect(results.locator(".searched")).to_contain_text("按手机尾号查找")
    expect(results.locator("tbody tr")).to_have_count(1)
    expect(results).to_contain_text("137****5678")
    expect(results).not_to_contain_text("王不可见")

    search(page, "浙A12345")
    expect(results.locator(".searched")).to_contain_text("按车牌号查找")
    expect(results.locator("tbody tr")).to_have_count(1)
    # The search posts: the address carries a session token, never the term (#21).
    expect(page).to_have_url(re.compile(rf"{re.escape(live_server.url)}/customers/\?s=[\w-]+$"))
    assert "A12345" not in page.url and "5678" not in page.url
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "search.png"))

    results.get_by_role("link", name="周杰").click()
    expect(page).to_have_url(f"{live_server.url}/customers/{customer.pk}/")
    chain = page.locator(".chain[data-chain-kind=commercial] .timeline > li")
    expect(chain).to_have_count(3)
    expect(chain.nth(0)).to_contain_text("已续保为 / renewed as PDAA2024330100000001")
    expect(chain.nth(2)).to_contain_text("¥2,160.00")
    expect(page.locator("#pii-phone")).to_contain_text("137****5678")

    page.get_by_role("button", name="显示完整手机号 / Show full phone").click()
    expect(page.locator("#pii-phone .revealed")).to_have_text("13712345678")
    page.screenshot(path=str(SHOTS / "customer360.png"), full_page=True)
    assert AuditLog.objects.filter(action="reveal_pii", actor=seat).count() == 1


def test_the_language_switch_changes_the_page_language(page, live_server, seat_book):
    log_in(page, live_server, "/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.select_option("#lang-select", "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_the_360_page_fits_a_phone_screen(browser, live_server, seat_book):
    _, customer = seat_book
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        log_in(page, live_server, f"/customers/{customer.pk}/")
        expect(page.locator(".chain")).to_have_count(2)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        wide = page.evaluate(
            "[...document.querySelectorAll('body *')].filter(e => "
            "e.getBoundingClientRect().right > window.innerWidth + 1)"
            ".map(e => e.tagName + '.' + e.className).slice(0, 8)"
        )
        assert overflow <= 0, wide
    finally:
        context.close()
