"""In Chromium, under the Content-Security-Policy (#21 finding 4): the login, the manager's
cockpit with its ECharts charts, the complaints list's and the language switch's auto-submitting
selects, and /api/docs with the vendored Swagger UI all work with no CSP violation reported —
neither in the console nor as a ``securitypolicyviolation`` event."""

import pytest
from playwright.sync_api import expect

from carecircle.core import clock
from tests.browser.test_ecosystem import NOW, _book

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WATCH_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + e.sourceFile);
});
"""


@pytest.fixture
def ecosystem_book():
    with clock.frozen_at(NOW):
        yield _book()


@pytest.fixture
def watched(page):
    """The page, with every CSP violation and console error collected."""
    console: list[str] = []
    page.on(
        "console",
        lambda m: (
            console.append(m.text)
            if m.type == "error" or "Content Security Policy" in m.text
            else None
        ),
    )
    page.on("pageerror", lambda e: console.append(str(e)))
    page.add_init_script(WATCH_VIOLATIONS)
    return page, console


def _violations(page) -> list[str]:
    return page.evaluate("window.__csp || []")


def test_pages_with_charts_and_autosubmitting_selects_raise_no_csp_violation(
    watched, live_server, ecosystem_book
):
    page, console = watched
    page.goto(live_server.url + "/ecosystem/?month=2026-02")
    assert "Content-Security-Policy" in page.evaluate(
        "fetch(location.href).then(r => r.headers.has('content-security-policy') ? "
        "'Content-Security-Policy' : '')"
    )
    page.fill("#id_username", "boss")
    page.fill("#id_password", "pw-for-tests-1")
    page.get_by_role("button", name="登录 / Log in").click()
    expect(page).to_have_url(live_server.url + "/ecosystem/?month=2026-02")
    expect(page.locator("#chart-trend svg")).to_have_count(1)
    expect(page.locator("#chart-touchpoints svg")).to_have_count(1)
    assert _violations(page) == []
    # The complaints list's status filter submits itself (a static listener, not onchange=).
    page.goto(live_server.url + "/ecosystem/complaints/")
    with page.expect_navigation():
        page.select_option("#status", "open")
    assert "status=open" in page.url
    assert _violations(page) == []
    # The language switch, the same way.
    with page.expect_navigation():
        page.select_option("#lang-select", "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert _violations(page) == []
    assert [m for m in console if "Content Security Policy" in m or "Refused" in m] == []


def test_the_api_docs_render_swagger_ui_from_our_origin_with_no_csp_violation(watched, live_server):
    page, console = watched
    page.goto(live_server.url + "/api/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("CareCircle API")
    expect(page.locator(".opblock").first).to_be_visible()
    assert _violations(page) == []
    assert [m for m in console if "Content Security Policy" in m or "Refused" in m] == []


@pytest.fixture
def merchant_voucher():
    from tests.browser.test_alliance import NOW as JUNE
    from tests.factories import CustomerFactory
    from tests.factories.alliance import VoucherFactory, merchant_with_offer

    with clock.frozen_at(JUNE):
        _merchant, offer, _location, merchant_user = merchant_with_offer(price="35.50")
        merchant_user.username = "merchant01"
        merchant_user.save()
        yield VoucherFactory(product=offer.product, customer=CustomerFactory())


def test_the_merchants_redemption_form_empties_itself_after_a_success_under_the_csp(
    watched, live_server, merchant_voucher
):
    """The reset was an inline ``hx-on`` handler (eval); now a static listener does it."""
    page, console = watched
    page.goto(live_server.url + "/alliance/merchant/")
    page.fill("#id_username", "merchant01")
    page.fill("#id_password", "pw-for-tests-1")
    page.get_by_role("button", name="登录 / Log in").click()
    expect(page).to_have_url(live_server.url + "/alliance/merchant/")
    page.fill("#code", merchant_voucher.display_code)
    page.get_by_role("button", name="核销 / Redeem").click()
    expect(page.locator("#redeemed")).to_contain_text("核销成功 / Redeemed")
    expect(page.locator("#code")).to_have_value("")
    assert _violations(page) == []
    assert [m for m in console if "Content Security Policy" in m or "Refused" in m] == []
