"""The repair shop's partner portal (送修) in a real browser: a claim referred to shop A is in
shop A's portal with the customer masked; the shop accepts the car (接车), proposes a repair
estimate (报价) and reports the repair done (完工), each step on the page and the timeline;
shop B's user gets a 404 for that claim and sees nothing of it. Screenshot to
docs/screenshots/."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from carecircle.claims import rulecache, services
from carecircle.claims.choices import Action
from carecircle.claims.models import Claim, ClaimTransition
from carecircle.core import clock
from carecircle.core.models import AuditLog
from carecircle.core.roles import Role
from tests.claims.services.test_workflow import report
from tests.factories import CustomerFactory, UserFactory, VehicleFactory
from tests.factories.claims import policy_with_cover, shop
from tests.playwright_fixtures import SHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# The customer agreed on a recorded call that the shop receives their data (PIPL Art 23).
AGREED = {"share_consent": True, "consent_source": "call_recording"}
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
STAMP = "2026-03-02 10:00"
PORTAL = "送修案件 / Referred claims"
REPORTED = "已报案 / Reported"


def _policy(name, phone, plate):
    customer = CustomerFactory(name=name)
    customer.set_phone(phone)
    customer.save()
    return policy_with_cover(vehicle=VehicleFactory(owner=customer, plate=plate))


@pytest.fixture
def referrals(tmp_path, settings):
    """Claim A referred by the handler to 西湖汽修 (a repair shop), claim B to 滨江4S店; one
    partner user for each shop. The clock is frozen for the live server's thread as well, so
    the timeline's times are exact."""
    settings.MEDIA_ROOT = tmp_path
    # The screening task runs in the request after commit, as a worker would shortly after.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    rulecache.clear()
    with clock.frozen_at(NOW):
        handler = UserFactory(username="claims01", role=Role.CLAIMS_HANDLER)
        shop_a = shop(name="西湖汽修")
        shop_b = shop(name="滨江4S店", kind="four_s_shop")
        UserFactory(username="shopa01", role=Role.PARTNER_USER, partner=shop_a)
        UserFactory(username="shopb01", role=Role.PARTNER_USER, partner=shop_b)
        claims = {}
        for key, partner, (name, phone, plate) in (
            ("a", shop_a, ("钱多多", "13812345678", "浙A12345")),
            ("b", shop_b, ("孙小美", "13987654321", "浙B67890")),
        ):
            claim = report(_policy(name, phone, plate), handler, description="倒车碰到柱子")
            services.transition(
                claim,
                Action.REFER,
                acting_user=handler,
                data={"repair_shop_id": partner.pk, **AGREED},
            )
            claims[key] = Claim.objects.get(pk=claim.pk)
        yield claims


def log_in(page, live_server, username, next_path):
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-for-tests-1")
    page.get_by_role("button", name="登录 / Log in").click()
    expect(page).to_have_url(live_server.url + next_path)


def timeline_actions(page):
    return page.locator("#timeline li").evaluate_all("items => items.map(i => i.dataset.action)")


def test_shop_a_accepts_estimates_and_finishes_shop_b_gets_a_404(page, live_server, referrals):
    """Business rules (docs/claims.md, shop portal):

    * a shop user reaches the portal from the main navigation and sees only the claims
      referred to its own shop, the customer masked (钱**, 138****5678) and the car;
    * the estimate and the repair-done steps are offered only after the shop accepted the car;
      acceptance and completion are taken once;
    * the estimate is parts + labour + paint and only a proposal: the insurer's assessment
      stays empty and the claim's status does not move;
    * each step is on the claim's timeline, by the shop's user, and in the audit log;
    * another shop's claim is a 404 that names nothing of it, and a POST to it changes nothing.
    """
    claim, theirs = referrals["a"], referrals["b"]
    url = f"/claims/shop/{claim.pk}/"
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    # Shop A finds the referral through the navigation.
    log_in(page, live_server, "shopa01", "/")
    page.get_by_role("navigation").get_by_role("link", name=PORTAL).click()
    expect(page).to_have_url(f"{live_server.url}/claims/shop/")
    expect(page.locator("#shop-claims tbody tr")).to_have_count(1)  # not shop B's claim
    row = page.locator(f"#shop-claims tr[data-claim={claim.claim_no}]")
    expect(row.locator("td")).to_have_text(
        [claim.claim_no, "浙A12345", "钱** 138****5678", REPORTED, "待接车 / to accept", "—"]
    )
    html = page.content()
    assert "钱多多" not in html and "13812345678" not in html
    assert theirs.claim_no not in html and "浙B67890" not in html

    row.get_by_role("link", name=claim.claim_no).click()
    expect(page).to_have_url(live_server.url + url)
    expect(page.locator("#claim-status")).to_have_text(REPORTED)
    expect(page.locator("#customer")).to_have_text("钱** 138****5678")
    expect(page.locator("#shop-estimate")).to_have_text("—")
    assert "钱多多" not in page.content() and "13812345678" not in page.content()
    # Before acceptance there is nothing to estimate or finish.
    expect(page.locator("form[data-what=estimate]")).to_have_count(0)
    expect(page.locator("form[data-what=done]")).to_have_count(0)
    assert timeline_actions(page) == ["refer"]

    # 接车
    page.get_by_role("button", name="接车 / Accept the referral").click()
    expect(page.locator("#timeline li[data-action=shop_accept]")).to_have_text(
        f"{STAMP} · 修理厂接车 / Shop accepts the referral"
    )
    expect(page.locator("form[data-what=accept]")).to_have_count(0)  # once only
    expect(page.locator("#shop-error")).to_have_count(0)

    # 报价: 1,200 + 450 + 300 = 1,950, a proposal only.
    form = page.locator("form[data-what=estimate]")
    form.locator("input[name=parts]").fill("1200")
    form.locator("input[name=labour]").fill("450")
    form.locator("input[name=paint]").fill("300")
    form.locator("input[name=note]").fill("更换左后门并喷漆")
    form.get_by_role("button", name="提交报价 / Submit the estimate").click()
    expect(page.locator("#timeline li[data-action=shop_estimate]")).to_have_text(
        f"{STAMP} · 修理厂维修报价 / Shop's repair estimate · 更换左后门并喷漆"
    )
    expect(page.locator("#shop-estimate")).to_have_text("¥1,950.00")
    expect(page.locator("dt:has-text('Insurer') + dd")).to_have_text("—")
    expect(page.locator("#claim-status")).to_have_text(REPORTED)

    # 完工
    page.get_by_role("button", name="维修完工 / Repair done").click()
    expect(page.locator("#timeline li[data-action=repair_done]")).to_have_text(
        f"{STAMP} · 维修完工 / Repair done"
    )
    expect(page.locator("form[data-what=done]")).to_have_count(0)  # once only
    assert timeline_actions(page) == ["refer", "shop_accept", "shop_estimate", "repair_done"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "claims-shop-portal.png"), full_page=True)

    # The list shows the shop's progress and its estimate.
    page.get_by_role("link", name=PORTAL).last.click()
    expect(row.locator("td")).to_have_text(
        [claim.claim_no, "浙A12345", "钱** 138****5678", REPORTED, "已完工 / done", "¥1,950.00"]
    )

    claim.refresh_from_db()
    assert (claim.shop_accepted_at, claim.repair_done_at) == (NOW, NOW)
    assert claim.shop_estimate == {"parts": "1200.00", "labour": "450.00", "paint": "300.00"}
    assert claim.shop_estimate_amount == Decimal("1950.00")
    assert (claim.amount_assessed, claim.status) == (None, "reported")
    shop_a_user = get_user_model().objects.get(username="shopa01")
    steps = ClaimTransition.objects.filter(claim=claim, actor=shop_a_user).order_by("at", "id")
    assert list(steps.values_list("action", flat=True)) == [
        "shop_accept",
        "shop_estimate",
        "repair_done",
    ]
    assert AuditLog.objects.filter(actor=shop_a_user, object_id=str(claim.pk)).count() == 3

    # Shop B: its own list has only its claim; shop A's claim is a 404 naming nothing of it.
    log_in(page, live_server, "shopb01", "/claims/shop/")
    expect(page.locator("#shop-claims tbody tr")).to_have_count(1)
    expect(page.locator(f"#shop-claims tr[data-claim={theirs.claim_no}]")).to_have_count(1)
    assert claim.claim_no not in page.content()
    response = page.goto(live_server.url + url)
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("Not Found")
    html = page.content()
    for secret in (claim.claim_no, "钱", "138****5678", "浙A12345", "1,950", "西湖汽修"):
        assert secret not in html, secret
    # A POST with a valid CSRF token (so the refusal is the 404, not the CSRF check).
    page.goto(live_server.url + "/claims/shop/")
    before = (claim.shop_estimate_amount, claim.transitions.count())
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    posted = page.request.post(
        live_server.url + url,
        form={"what": "estimate", "parts": "99999"},
        headers={"X-CSRFToken": token, "Referer": live_server.url + "/claims/shop/"},
    )
    assert posted.status == 404
    assert claim.claim_no not in posted.text()
    claim.refresh_from_db()
    assert (claim.shop_estimate_amount, claim.transitions.count()) == before
    assert errors == []
