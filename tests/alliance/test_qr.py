"""QR images: each unused voucher shows its QR on the customer's page; the image endpoint
serves only the voucher's owner; the merchant portal and the API take a scanned QR link as
well as a typed code."""

import datetime as dt

import pytest

from carecircle.alliance import qr, rules, services
from carecircle.alliance.models import Redemption, Voucher
from carecircle.core import clock
from carecircle.core.roles import Role
from tests.factories import CustomerFactory, UserFactory
from tests.factories.alliance import VoucherFactory, merchant_with_offer

pytestmark = pytest.mark.django_db
NOON = dt.datetime(2026, 6, 1, 12, tzinfo=dt.timezone(dt.timedelta(hours=8)))
PORTAL = "http://testserver/alliance/merchant/"


@pytest.fixture(autouse=True)
def noon():
    with clock.frozen_at(NOON):
        yield


@pytest.fixture
def wash():
    return merchant_with_offer()


def test_what_a_scanner_or_a_person_enters_gives_the_stored_code():
    code = rules.new_code()
    shown = rules.display(code)
    entered = [
        shown,  # typed as shown
        shown.lower().replace("-", " "),  # read aloud, typed with spaces
        f"{PORTAL}?code={shown}",  # the QR's link, typed by a till scanner
        f"{PORTAL}?code={shown}\r\n",  # scanners end with Enter
        f"/alliance/merchant/?x=1&code={shown.lower()}",  # a relative link, other parameters
        f"https://carecircle.example/v/{code}/",  # a link ending in the code
    ]
    assert {rules.code_from_scan(text) for text in entered} == {code}
    assert rules.code_from_scan(f"{PORTAL}?code=") == ""  # an empty link is no code at all


def test_the_qr_holds_the_portal_link_with_the_code():
    code = rules.new_code()
    data = qr.payload(PORTAL, code)
    assert data == f"{PORTAL}?code={rules.display(code)}"
    assert rules.code_from_scan(data) == code
    svg = qr.svg_inline(data)
    assert svg.startswith("<svg") and "<?xml" not in svg
    body, kind = qr.image(data, "png")
    assert (kind, body[:8]) == ("image/png", b"\x89PNG\r\n\x1a\n")


def test_the_customer_sees_a_qr_beside_each_unused_voucher_only(client, wash):
    _, offer, _, merchant = wash
    customer = CustomerFactory()
    unused = VoucherFactory(product=offer.product, customer=customer)
    used = VoucherFactory(product=offer.product, customer=customer)
    services.redeem(used.code, acting_user=merchant)
    client.force_login(UserFactory(role=Role.CUSTOMER, customer=customer))
    page = client.get("/alliance/my/").content.decode()
    assert page.count('class="voucher-qr"') == 1
    assert qr.svg_inline(qr.payload(PORTAL, unused.code)) in page
    assert f"/alliance/my/vouchers/{unused.pk}/qr.png" in page
    assert f"/alliance/my/vouchers/{used.pk}/qr.png" not in page


def test_the_qr_image_is_served_to_the_voucher_owner_only(client, wash):
    _, offer, _, merchant = wash
    customer = CustomerFactory()
    voucher = VoucherFactory(product=offer.product, customer=customer)
    url = f"/alliance/my/vouchers/{voucher.pk}/qr"
    assert client.get(url + ".png").status_code == 302  # anonymous: to the login page
    owner = UserFactory(role=Role.CUSTOMER, customer=customer)
    client.force_login(owner)
    png = client.get(url + ".png")
    assert (png.status_code, png["Content-Type"], png.content[:4]) == (200, "image/png", b"\x89PNG")
    assert png["Cache-Control"] == "private, no-store"
    svg = client.get(url + ".svg")
    assert (svg.status_code, svg["Content-Type"]) == (200, "image/svg+xml")
    assert client.get(url + ".gif").status_code == 404
    others = [
        UserFactory(role=Role.CUSTOMER, customer=CustomerFactory()),  # another customer
        UserFactory(role=Role.SERVICE_MANAGER),  # staff do not need a customer's live code
        merchant,  # a merchant must not get codes before the customer shows them
    ]
    for user in others:
        client.force_login(user)
        assert client.get(url + ".png").status_code == 404, user.role
    services.redeem(voucher.code, acting_user=merchant)
    client.force_login(owner)
    assert client.get(url + ".png").status_code == 404  # a used code has no QR any more


def test_the_merchant_redeems_a_scanned_qr_link_on_the_portal_and_the_api(client, wash):
    _, offer, location, merchant = wash
    by_portal, by_api = VoucherFactory(product=offer.product), VoucherFactory(product=offer.product)
    client.force_login(merchant)
    page = client.get("/alliance/merchant/", {"code": rules.display(by_portal.code)})
    assert f'value="{by_portal.display_code}"' in page.content.decode()  # filled in, not used
    assert Voucher.objects.get(pk=by_portal.pk).status == "issued"
    done = client.post(
        "/alliance/merchant/redeem/",
        {"code": qr.payload(PORTAL, by_portal.code) + "\r\n", "location": location.pk},
        HTTP_HX_REQUEST="true",
    )
    assert 'id="redeemed"' in done.content.decode()
    api = client.post(
        "/api/alliance/redemptions",
        {"code": qr.payload(PORTAL, by_api.code)},
        content_type="application/json",
    )
    assert api.status_code == 201
    assert set(Redemption.objects.values_list("voucher_id", flat=True)) == {by_portal.pk, by_api.pk}


def test_a_scanned_link_with_a_wrong_code_is_refused_like_a_typed_one(client, wash):
    *_, merchant = wash
    client.force_login(merchant)
    response = client.post(
        "/api/alliance/redemptions",
        {"code": f"{PORTAL}?code=AAAA-BBBB-CCCC"},
        content_type="application/json",
    )
    assert (response.status_code, response.json()["code"]) == (409, "typo")
    too_long = client.post(
        "/api/alliance/redemptions", {"code": "x" * 301}, content_type="application/json"
    )
    assert too_long.status_code == 422
