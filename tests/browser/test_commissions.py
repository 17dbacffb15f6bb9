"""Browser test of commissions (issue #16): the manager calculates February, opens the 4S
shop's statement (the rate and the reason on each line), approves it, marks it paid and
exports it; the shop's user sees its own statement and not a rival's."""

import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from carecircle.core import clock
from carecircle.core.roles import Role
from carecircle.ecosystem.models import CommissionStatement
from tests.factories import (
    SH,
    CommissionScheduleFactory,
    LicensedPartnerFactory,
    PolicyFactory,
    UserFactory,
)

from .test_ecosystem import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NOW = dt.datetime(2026, 3, 10, 10, 0, tzinfo=SH)


@pytest.fixture
def book():
    with clock.frozen_at(NOW):
        shop = LicensedPartnerFactory(code="P4S300", name="西湖大众4S店")
        rival = LicensedPartnerFactory(code="P4S400", name="钱江丰田4S店")
        for partner, premium in ((shop, "4000.00"), (rival, "3000.00")):
            CommissionScheduleFactory(partner=partner, base_rate=Decimal("0.08"))
            PolicyFactory(
                partner=partner,
                premium=Decimal(premium),
                effective_date=dt.date(2026, 2, 10),
                expiry_date=dt.date(2027, 2, 10),
            )
        UserFactory(username="boss", role=Role.MANAGER)
        UserFactory(username="shop", role=Role.PARTNER_USER, partner=shop)
        yield {"shop": shop, "rival": rival}


def test_the_manager_settles_a_month_and_the_shop_sees_only_its_own(page, live_server, book):
    log_in(page, live_server, "boss", "/ecosystem/commissions/")
    page.fill("#calculate input[name=month]", "2026-02")
    page.locator("#calculate button").click()
    rows = page.locator("#commission-statements tbody tr")
    expect(rows).to_have_count(2)
    page.get_by_role(
        "link", name=CommissionStatement.objects.get(partner=book["shop"]).statement_no
    ).click()
    expect(page.locator("#total")).to_have_text("¥320.00")
    expect(page.locator("#lines tbody tr")).to_contain_text("基准 8%")
    page.locator("#approve").click()
    expect(page.locator("#status")).to_contain_text("已审批")
    page.fill("input[name=payment_ref]", "BK-2026-03")
    page.locator("#pay").click()
    expect(page.locator("#status")).to_contain_text("已支付")
    with page.expect_download() as download:
        page.locator("#export").click()
    assert download.value.suggested_filename.endswith(".xlsx")

    page.context.clear_cookies()
    log_in(page, live_server, "shop", "/ecosystem/commissions/")
    expect(page.locator("#commission-statements tbody tr")).to_have_count(1)
    expect(page.locator("#commission-statements")).to_contain_text("西湖大众4S店")
    rival = CommissionStatement.objects.get(partner=book["rival"])
    response = page.goto(f"{live_server.url}/ecosystem/commissions/{rival.pk}/")
    assert response is not None and response.status == 404
