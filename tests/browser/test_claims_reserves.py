"""Reserves on the claim page (issue #16): a handler raises a reserve above their limit with a
reason, it waits; the approver applies it from the queue; the handler records a subrogation;
the claims report shows the reserve report."""

import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from carecircle.claims import rulecache
from carecircle.claims.models import Claim
from carecircle.claims.services import reserves
from carecircle.core import clock
from carecircle.core.roles import Role
from tests.factories import ClaimFactory, UserFactory
from tests.playwright_fixtures import SHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture
def claim(settings):
    rulecache.clear()
    with clock.frozen_at(NOW):
        for name, role in (
            ("claims01", Role.CLAIMS_HANDLER),
            ("approver01", Role.CLAIMS_APPROVER),
        ):
            UserFactory(username=name, role=role)
        claim = ClaimFactory(status="assessed")
        reserves.move(claim, coverage=claim.coverage, kind="open", amount=Decimal("3000"))
        yield claim


def log_in(page, live_server, username, next_path):
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-for-tests-1")
    page.get_by_role("button", name="登录 / Log in").click()
    expect(page).to_have_url(live_server.url + next_path)


def test_a_large_revision_waits_for_the_approver_who_applies_it(page, live_server, claim):
    log_in(page, live_server, "claims01", f"/claims/{claim.pk}/")
    form = page.locator('form[data-action="revise-reserve"]')
    form.locator('input[name="new_balance"]').fill("45000")
    form.locator('input[name="reason"]').fill("伤者住院，预估医疗费增加")
    form.get_by_role("button", name="提交 / Submit").click()
    expect(page.locator('#reserve-changes li[data-status="pending"]')).to_contain_text("45,000")
    expect(page.locator("#reserve-balances")).to_contain_text("3,000.00")

    sub = page.locator('form[data-action="subrogation"]')
    sub.locator('input[name="against"]').fill("李四(对方车主)")
    sub.locator('input[name="amount_sought"]').fill("2000")
    sub.get_by_role("button", name="登记 / Record").click()
    expect(page.locator("#subrogations")).to_contain_text("李四")

    log_in(page, live_server, "approver01", "/claims/reserve-changes/")
    row = page.locator("#reserve-changes tr[data-change]")
    expect(row).to_contain_text("伤者住院")
    row.get_by_role("button", name="批准 / Approve").click()
    expect(page.locator("#reserve-changes")).to_contain_text("暂无待批准的调整")
    claim = Claim.objects.get(pk=claim.pk)
    assert claim.amount_reserved == Decimal("45000.00")

    page.goto(f"{live_server.url}/claims/reports/?as_of=2026-12-31")
    expect(page.locator('#reserve-figures [data-figure="closing"]')).to_contain_text("45,000")
    if SHOTS:
        page.screenshot(path=str(SHOTS / "claims-reserves.png"), full_page=True)
