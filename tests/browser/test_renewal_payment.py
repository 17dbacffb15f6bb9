"""A renewal paid before it is issued (见费出单), in Chromium: a seat renews a loyal customer
with one claim last year — the quote shows NCD 0.7 and why (four clean years then one claim:
1 claim − 3 insured years = level −2, DOMAIN.md) — and records the acceptance; the customer
opens the payment link on a phone and pays through the simulator, whose signed notification
issues the policy; the policy and its roadside-rescue voucher exist and the renewal is closed
as renewed."""

import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from carecircle.alliance.models import Voucher
from carecircle.core import clock
from carecircle.policies.models import Policy
from carecircle.renewals.models import RenewalTask
from carecircle.renewals.services.pipeline import run_pipeline
from tests.browser.test_renewals import log_in
from tests.factories import (
    ClaimFactory,
    CoverageFactory,
    CustomerFactory,
    ItemFactory,
    PackageFactory,
    PolicyFactory,
    ProductFactory,
    VehicleFactory,
)
from tests.playwright_fixtures import SHOTS
from tests.renewals.conftest import AS_OF, at, make_seat

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
EXPIRY = AS_OF + dt.timedelta(days=35)  # 5 June 2026


def year(vehicle, n_back: int, **fields):
    """The commercial policy year ending ``n_back`` years before EXPIRY."""
    end = EXPIRY.replace(year=EXPIRY.year - n_back)
    return PolicyFactory(
        vehicle=vehicle,
        effective_date=end.replace(year=end.year - 1),
        expiry_date=end,
        **fields,
    )


@pytest.fixture
def loyal(settings, live_server):
    settings.CARECIRCLE_CTI = "carecircle.renewals.cti.AlwaysConnects"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.CARECIRCLE = {
        **settings.CARECIRCLE,
        "NOTIFY": {**settings.CARECIRCLE.get("NOTIFY", {}), "PUBLIC_BASE_URL": live_server.url},
    }
    with clock.frozen_at(at(AS_OF, 10)):
        make_seat("seat01")
        customer = CustomerFactory(name="陈忠", marketing_consent=True)
        vehicle = VehicleFactory(owner=customer, displacement=Decimal("1.5"))
        for n_back in (4, 3, 2, 1):  # four clean years
            year(vehicle, n_back, premium=Decimal("3000.00"))
        last = year(vehicle, 0, premium=Decimal("3000.00"), policy_no="PDAA-LOYAL-2025")
        CoverageFactory(policy=last, code="vehicle_damage", premium=Decimal("1700.00"))
        CoverageFactory(policy=last, code="third_party", premium=Decimal("1240.00"))
        CoverageFactory(policy=last, code="roadside_rescue", premium=Decimal("60.00"))
        PolicyFactory(
            vehicle=vehicle,
            kind="compulsory",
            effective_date=last.effective_date,
            expiry_date=EXPIRY,
            premium=Decimal("855.00"),
            ncd_level=None,
            ncd_coefficient=None,
            pricing_coefficient=None,
        )
        # One claim last year, paid.
        ClaimFactory(
            policy=last,
            status="paid",
            amount_paid=Decimal("3200.00"),
            accident_at=at(dt.date(2025, 11, 20), 8),
            reported_at=at(dt.date(2025, 11, 20), 9),
        )
        package = PackageFactory(rider="roadside_rescue")
        ItemFactory(package=package, product=ProductFactory(code="towing"), quantity=1)
        run_pipeline()
        yield last
    # live_server's threads read the frozen clock too: the fixture keeps it for the test.


def test_a_loyal_customer_renews_pays_on_the_phone_and_gets_the_policy_and_voucher(
    page, browser, live_server, loyal
):
    task = RenewalTask.objects.get(policy=loyal)
    with clock.frozen_at(at(AS_OF, 10)):
        log_in(page, live_server, "seat01", f"/renewals/task/{task.pk}/")
        # The quote: four clean years, then one claim last year → level −2, 0.7, in words.
        expect(page.locator("#quote-ncd")).to_contain_text("0.7")
        reason = page.locator("#quote-ncd-reason")
        expect(reason).to_contain_text("出险1次")
        expect(reason).to_contain_text("−2")
        page.get_by_role("button", name="拨打 / Call").click()
        expect(page.locator(".messages")).to_contain_text("已接通")
        page.click("#quote-button")
        expect(page.locator("#quote-ncd")).to_contain_text("0.7")

        page.select_option("#id_outcome", "accepted")
        page.click("#outcome-button")
        expect(page.locator("#proposal-status")).to_contain_text("待支付")
        assert not Policy.objects.filter(renews=loyal).exists()  # nothing before payment
        pay_link = page.locator("#pay-link").get_attribute("href")
        page.screenshot(path=str(SHOTS / "renewal-awaiting-payment.png"), full_page=True)

        # The customer, on a phone, opens the link from the message and pays.
        phone = browser.new_context(
            locale="zh-CN",
            viewport={"width": 390, "height": 844},
            is_mobile=True,
            timezone_id="Asia/Shanghai",
        )
        customer = phone.new_page()
        customer.set_default_timeout(10_000)
        customer.goto(pay_link)
        expect(customer.locator("#proposal-state")).to_contain_text("待支付")
        total = customer.locator("#proposal-total").inner_text()
        customer.click("#pay-button")
        expect(customer.locator("#simulator-amount")).to_have_text(total)
        customer.click("#simulator-pay")
        expect(customer.locator("#proposal-state")).to_contain_text("已出单")
        issued_no = customer.locator(".proposal-line[data-kind=commercial] .issued-policy")
        expect(issued_no).to_contain_text("PDAA")
        customer.screenshot(path=str(SHOTS / "renewal-paid-phone.png"), full_page=True)
        phone.close()

    successor = Policy.objects.get(renews=loyal)
    assert (successor.effective_date, successor.ncd_coefficient) == (EXPIRY, Decimal("0.700"))
    assert "roadside_rescue" in set(successor.coverages.values_list("code", flat=True))
    assert list(
        Voucher.objects.filter(policy=successor).values_list("product__code", flat=True)
    ) == ["towing"]
    task.refresh_from_db()
    assert (task.status, task.successor) == ("renewed", successor)
