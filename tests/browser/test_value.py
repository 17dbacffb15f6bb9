"""In Chromium: a manager opens the value portfolio (ECharts draws from the vendored file,
nothing fetched from outside), approves a tier review with htmx, and sees the value balance
on the customer 360 page; an actuary's view of a stored model's relativities draws one chart
per rating factor. Screenshots go to docs/screenshots/ with CARECIRCLE_SCREENSHOTS=1."""

import datetime as dt

import pytest
from django.core.management import call_command

from carecircle.core.roles import Role
from carecircle.value.engine.params import params_from_settings
from carecircle.value.engine.runner import run_value
from carecircle.value.ml import FactorSpec, RenewalSpec, fit_renewal_model
from carecircle.value.models import CustomerValue, TierReview
from carecircle.value.services.model_versions import store_model_version
from tests.factories import UserFactory
from tests.playwright_fixtures import SHOTS
from tests.value.synthetic import renewal_book

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
AS_OF = dt.date(2026, 3, 1)


@pytest.fixture
def valued_book():
    call_command("generate", "--customers", "300", "--seed", "1", "--into-db")
    run_value(params_from_settings(AS_OF))
    UserFactory(username="valueboss", role=Role.MANAGER, display_name="王经理")
    value = CustomerValue.objects.current().filter(tier="gold").order_by("pk").first()
    review = TierReview.objects.create(
        customer=value.customer,
        run=value.run,
        current_tier="gold",
        proposed_tier="silver",
        reason="step_limited",
    )
    return value, review


def log_in(page, live_server, next_path):
    page.goto(live_server.url + next_path)
    page.fill("#id_username", "valueboss")
    page.fill("#id_password", "pw-for-tests-1")
    page.get_by_role("button", name="登录 / Log in").click()
    page.wait_for_url(live_server.url + next_path)


def test_a_manager_reads_the_portfolio_decides_a_review_and_sees_the_balance(
    page,
    live_server,
    valued_book,
):
    from playwright.sync_api import expect

    value, review = valued_book
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    log_in(page, live_server, "/value/")
    expect(page.locator("[data-pareto=lifetime_value]")).to_contain_text("前20%的客户贡献")
    # ECharts drew SVG into every chart container.
    for chart in ("pareto", "tiers", "channel", "region", "vehicle_use"):
        expect(page.locator(f"#chart-{chart} svg")).to_have_count(1)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "value-portfolio.png"), full_page=True)

    page.get_by_role("link", name="等级复核 / Tier reviews").first.click()
    row = page.locator(f"#review-{review.pk}")
    row.locator("input[name=note]").fill("一次小额赔案 / one small claim")
    row.get_by_role("button", name="维持 黄金 / Gold / Keep 黄金 / Gold").click()
    expect(page.locator(f"#review-{review.pk}")).to_have_attribute("data-status", "kept")
    assert page.url.endswith("/value/reviews/")  # swapped in place, no page load

    page.goto(f"{live_server.url}/customers/{value.customer_id}/")
    balance = page.locator("[data-section=value-balance]")
    expect(balance.locator("[data-tier]")).to_have_text("黄金 / Gold")
    expect(balance.locator("[data-reason=person_approved]")).to_have_text(
        "等级经人工复核确定 / tier decided by a person's review"
    )
    expect(balance.locator(".tier-history li").first).to_contain_text("王经理")
    page.screenshot(path=str(SHOTS / "customer360-value.png"), full_page=True)
    assert errors == []


def test_a_manager_opens_a_models_relativities_and_every_factor_is_charted(page, live_server):
    from playwright.sync_api import expect

    spec = RenewalSpec(
        factors=(FactorSpec("premium_change", bins=4), FactorSpec("channel", kind="categorical"))
    )
    stored = store_model_version(fit_renewal_model(renewal_book(rows=2_000), spec), name="syn")
    UserFactory(username="valueboss", role=Role.MANAGER, display_name="王经理")
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    log_in(page, live_server, "/value/models/")
    page.get_by_role("link", name=f"v{stored.version}").click()
    page.wait_for_url(f"{live_server.url}/value/models/{stored.pk}/")
    factors = page.locator("section.factor")
    expect(factors).to_have_count(2)
    for i in range(2):
        # ECharts drew SVG (bars and the dashed base line) into each factor's container.
        expect(factors.nth(i).locator(".chart svg")).to_have_count(1)
        expect(factors.nth(i).locator(".chart svg path").first).to_be_attached()
        expect(factors.nth(i).locator("tr[data-base] td")).to_have_text("1.000")
        # the bars are labelled with the very figures of the table beside the chart
        table = factors.nth(i).locator("tr[data-level] td").all_text_contents()
        drawn = factors.nth(i).locator(".chart svg text").all_text_contents()
        assert table and set(table) <= {t.strip() for t in drawn}
    assert errors == []
