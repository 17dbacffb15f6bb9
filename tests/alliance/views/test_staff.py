"""The insurer's pages: merchants never reach the manager's pages nor another merchant's
statement; the dashboard shows activity by tier and service; staff issue by hand and run the
entitlement issue."""

import datetime as dt

import pytest

from carecircle.alliance import services
from carecircle.alliance.models import Voucher
from carecircle.core.roles import Role
from tests.factories import CustomerFactory, UserFactory
from tests.factories.alliance import VoucherFactory, merchant_with_offer

pytestmark = pytest.mark.django_db


def test_merchants_cannot_open_the_managers_pages_or_another_merchants_statement(client, wash):
    _merchant, _offer, _, user = wash
    other = merchant_with_offer()
    manager = UserFactory(role=Role.SERVICE_MANAGER)
    for v, u in ((VoucherFactory(product=other[1].product), other[3]),):
        services.redeem(v.code, acting_user=u)
    statement = services.build_statement(other[0], dt.date(2026, 6, 1), acting_user=manager)
    client.force_login(user)
    for url in (
        "/alliance/dashboard/",
        "/alliance/packages/",
        "/alliance/issue/",
        "/alliance/catalogue/",
    ):
        assert client.get(url).status_code == 403, url
    assert client.get(f"/alliance/statements/{statement.pk}/").status_code == 404
    assert client.get(f"/alliance/statements/{statement.pk}/export.csv").status_code == 404
    assert client.post("/alliance/statements/build/", {"month": "2026-06"}).status_code == 403


def test_the_dashboard_shows_activity_by_tier_and_service(client, wash):
    _, offer, _, user = wash
    used, unused = VoucherFactory(product=offer.product), VoucherFactory(product=offer.product)
    services.redeem(used.code, acting_user=user)
    client.force_login(UserFactory(role=Role.SERVICE_MANAGER))
    page = client.get("/alliance/dashboard/").content.decode()
    assert 'id="activity-rate">50%' in page
    assert "1 / 2" in page
    assert "¥35.50" in page
    assert unused.customer.name not in page


def test_staff_issue_by_hand_and_run_the_entitlement_issue(client):
    from tests.factories.alliance import ProductFactory

    product = ProductFactory()
    customer = CustomerFactory(customer_no="C77000001")
    client.force_login(UserFactory(role=Role.SERVICE_MANAGER))
    page = client.post(
        "/alliance/issue/",
        {"customer_no": "C77000001", "product": product.pk, "reason": "投诉补偿"},
    ).content.decode()
    voucher = Voucher.objects.get(customer=customer)
    # the issuer sees which voucher went out, not its code (the customer's only)
    assert voucher.masked_code in page and voucher.display_code not in page
    missing = client.post(
        "/alliance/issue/", {"customer_no": "C77000001", "product": product.pk, "reason": ""}
    )
    assert "请填写发放原因" in missing.content.decode()
    run = client.post("/alliance/issue/run/").content.decode()
    assert 'id="issue-run"' in run
