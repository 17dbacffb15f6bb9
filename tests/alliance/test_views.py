"""Pages: each role lands on its own page; merchants redeem in place (htmx) and never reach
the manager's pages; customers see and book their vouchers; statements export to the cent."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from carecircle.alliance import services
from carecircle.alliance.models import Booking, Rating, Voucher
from carecircle.core import clock
from carecircle.core.errors import DomainError
from carecircle.core.roles import Role
from tests.factories import CustomerFactory, UserFactory
from tests.factories.alliance import LocationFactory, VoucherFactory, merchant_with_offer

pytestmark = pytest.mark.django_db
NOON = dt.datetime(2026, 6, 1, 12, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture(autouse=True)
def noon():
    with clock.frozen_at(NOON):
        yield


@pytest.fixture
def wash():
    return merchant_with_offer()


def test_each_role_lands_on_its_own_alliance_page(client, wash):
    cases = [
        (UserFactory(role=Role.SERVICE_MANAGER), "/alliance/dashboard/"),
        (wash[3], "/alliance/merchant/"),
        (UserFactory(role=Role.CUSTOMER, customer=CustomerFactory()), "/alliance/my/"),
        (UserFactory(role=Role.SEAT), "/alliance/issue/"),
    ]
    for user, target in cases:
        client.force_login(user)
        response = client.get("/alliance/")
        assert (response.status_code, response["Location"]) == (302, target)
        assert client.get(target).status_code == 200
    client.force_login(UserFactory(role=Role.PARTNER_USER))
    assert client.get("/alliance/").status_code == 403


def test_a_merchant_redeems_in_place_and_sees_the_refusal_in_place(client, wash):
    _, offer, location, user = wash
    voucher = VoucherFactory(product=offer.product, customer=CustomerFactory(name="赵云"))
    client.force_login(user)
    ok = client.post(
        "/alliance/merchant/redeem/",
        {"code": voucher.display_code, "location": location.pk},
        HTTP_HX_REQUEST="true",
    )
    assert ok.status_code == 200
    assert ok["HX-Trigger"] == "redeemed"
    text = ok.content.decode()
    assert "核销成功 / Redeemed" in text and "赵*" in text and "赵云" not in text
    again = client.post(
        "/alliance/merchant/redeem/", {"code": voucher.code}, HTTP_HX_REQUEST="true"
    )
    assert again.status_code == 200
    assert 'data-code="used"' in again.content.decode()
    plain = client.post("/alliance/merchant/redeem/", {"code": voucher.code})
    assert plain.status_code == 409
    page = client.get("/alliance/merchant/").content.decode()
    assert voucher.display_code in page and "¥35.50" in page and "赵云" not in page


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


def test_a_customer_sees_books_and_rates_their_vouchers(client, wash):
    merchant, offer, location, user = wash
    customer = CustomerFactory()
    mine = VoucherFactory(product=offer.product, customer=customer)
    used = VoucherFactory(product=offer.product, customer=customer)
    theirs = VoucherFactory(product=offer.product)
    redemption = services.redeem(used.code, acting_user=user)
    client.force_login(UserFactory(role=Role.CUSTOMER, customer=customer))
    page = client.get("/alliance/my/").content.decode()
    assert mine.display_code in page and theirs.display_code not in page
    assert used.display_code not in page  # a used code is not shown again
    assert "¥35.50" in page  # value delivered
    response = client.post(
        f"/alliance/my/vouchers/{mine.pk}/book/", {"location": location.pk, "day": "2026-06-03"}
    )
    assert response.status_code == 302
    assert Booking.objects.get().day == dt.date(2026, 6, 3)
    assert (
        client.post(
            f"/alliance/my/vouchers/{theirs.pk}/book/",
            {"location": location.pk, "day": "2026-06-03"},
        ).status_code
        == 404
    )
    client.post(
        f"/alliance/my/redemptions/{redemption.pk}/rate/", {"stars": "2", "complaint": "on"}
    )
    rating = Rating.objects.get()
    assert (rating.stars, rating.complaint, rating.merchant_id) == (2, True, merchant.pk)


def test_booking_respects_the_locations_daily_capacity(wash):
    _, offer, location, _ = wash  # capacity 2
    customer = CustomerFactory()
    login = UserFactory(role=Role.CUSTOMER, customer=customer)
    vouchers = [VoucherFactory(product=offer.product, customer=customer) for _ in range(3)]
    day = dt.date(2026, 6, 5)
    services.book(vouchers[0], location, day, acting_user=login)
    services.book(vouchers[1], location, day, acting_user=login)
    with pytest.raises(DomainError) as err:
        services.book(vouchers[2], location, day, acting_user=login)
    assert (err.value.code, err.value.status) == ("full", 409)
    elsewhere = LocationFactory(merchant=location.merchant)
    assert services.book(vouchers[2], elsewhere, day, acting_user=login).location == elsewhere


def test_a_statement_exports_to_csv_and_excel_reconciled_to_the_cent(client, wash):
    merchant, offer, _, user = wash
    manager = UserFactory(role=Role.SERVICE_MANAGER)
    for _ in range(3):
        services.redeem(VoucherFactory(product=offer.product).code, acting_user=user)
    statement = services.build_statement(merchant, dt.date(2026, 6, 1), acting_user=manager)
    client.force_login(manager)
    body = client.get(f"/alliance/statements/{statement.pk}/export.csv").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert len(rows) == 1 + 3 + 1
    assert rows[-1][7] == "106.50" and sum(Decimal(r[7]) for r in rows[1:-1]) == Decimal("106.50")
    xlsx = client.get(f"/alliance/statements/{statement.pk}/export.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.max_row == 5
    assert [sheet.cell(row=r, column=8).value for r in range(2, 6)] == [35.5, 35.5, 35.5, 106.5]
    client.post(f"/alliance/statements/{statement.pk}/approve/")
    statement.refresh_from_db()
    assert statement.status == "approved"
    client.force_login(user)  # the merchant downloads its own statement too
    assert client.get(f"/alliance/statements/{statement.pk}/export.csv").status_code == 200


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
    assert voucher.display_code in page
    missing = client.post(
        "/alliance/issue/", {"customer_no": "C77000001", "product": product.pk, "reason": ""}
    )
    assert "请填写发放原因" in missing.content.decode()
    run = client.post("/alliance/issue/run/").content.decode()
    assert 'id="issue-run"' in run
