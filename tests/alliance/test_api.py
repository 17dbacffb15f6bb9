"""The redemption API: exactly once, idempotent retries, clear refusals as JSON, merchants
see only their own redemptions and customers' names masked."""

import datetime as dt

import pytest

from carecircle.alliance.models import Redemption
from carecircle.core import clock
from carecircle.core.roles import Role
from tests.factories import CustomerFactory, UserFactory
from tests.factories.alliance import VoucherFactory, merchant_with_offer

pytestmark = pytest.mark.django_db
URL = "/api/alliance/redemptions"


@pytest.fixture(autouse=True)
def noon():
    with clock.frozen_at(dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)):
        yield


@pytest.fixture
def merchant_client(client):
    _merchant, offer, location, user = merchant_with_offer()
    client.force_login(user)
    return client, offer, location, user


def test_a_merchant_redeems_through_the_api_and_a_retry_with_the_same_key_is_not_a_refusal(
    merchant_client,
):
    client, offer, location, _ = merchant_client
    voucher = VoucherFactory(product=offer.product, customer=CustomerFactory(name="李小龙"))
    body = {"code": voucher.display_code, "location_id": location.pk}
    first = client.post(URL, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k1")
    assert first.status_code == 201
    data = first.json()
    assert (data["voucher_code"], data["customer"], data["agreed_price"], data["status"]) == (
        voucher.display_code,
        "李**",
        "35.50",
        "completed",
    )
    retry = client.post(URL, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k1")
    assert (retry.status_code, retry.json()["id"]) == (200, data["id"])
    again = client.post(URL, body, content_type="application/json")
    assert again.status_code == 409
    assert again.json()["code"] == "used"
    assert again.json()["field"] == "code"
    assert "已使用" in again.json()["message"] and "already been used" in again.json()["message"]
    assert Redemption.objects.count() == 1


def test_refusals_come_back_as_json_with_the_right_status(merchant_client):
    client, offer, *_ = merchant_client
    typo = client.post(URL, {"code": "AAAA-BBBB-CCCC"}, content_type="application/json")
    assert (typo.status_code, typo.json()["code"]) == (409, "typo")
    expired = VoucherFactory(product=offer.product, valid_until=dt.date(2026, 5, 31))
    response = client.post(URL, {"code": expired.code}, content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (409, "expired")
    empty = client.post(URL, {}, content_type="application/json")
    assert empty.status_code == 422


def test_reversal_and_listing_are_scoped_to_the_merchant(merchant_client, client):
    own_client, offer, _, user = merchant_client
    voucher = VoucherFactory(product=offer.product)
    rid = own_client.post(URL, {"code": voucher.code}, content_type="application/json").json()["id"]
    listed = own_client.get(URL).json()
    assert [r["id"] for r in listed["items"]] == [rid]
    other = merchant_with_offer(product=offer.product)[3]
    own_client.force_login(other)
    assert own_client.get(URL).json()["items"] == []
    refused = own_client.post(
        f"{URL}/{rid}/reversal", {"reason": "not mine"}, content_type="application/json"
    )
    assert refused.status_code == 404
    own_client.force_login(user)
    done = own_client.post(
        f"{URL}/{rid}/reversal", {"reason": "顾客取消 / cancelled"}, content_type="application/json"
    )
    assert (done.status_code, done.json()["status"]) == (200, "reversed")


def test_customers_list_their_own_vouchers_and_cannot_redeem(client):
    voucher = VoucherFactory()
    VoucherFactory()  # someone else's
    login = UserFactory(role=Role.CUSTOMER, customer=voucher.customer)
    client.force_login(login)
    items = client.get("/api/alliance/vouchers").json()["items"]
    assert [v["id"] for v in items] == [voucher.pk]
    assert items[0]["code"] == voucher.display_code
    denied = client.post(URL, {"code": voucher.code}, content_type="application/json")
    assert denied.status_code == 403


def test_anonymous_requests_are_refused(client):
    assert client.get(URL).status_code == 401


def test_a_fresh_idempotency_key_per_guess_does_not_dodge_the_guessing_brake(
    merchant_client, settings
):
    from carecircle.alliance import rules
    from carecircle.alliance.models import RedemptionAttempt

    settings.CARECIRCLE = {**settings.CARECIRCLE, "ALLIANCE": {"GUESS_LIMIT": 3}}
    client, offer, _, user = merchant_client
    voucher = VoucherFactory(product=offer.product)
    for n, guess in enumerate(rules.new_codes(3)):
        response = client.post(
            URL, {"code": guess}, content_type="application/json", HTTP_IDEMPOTENCY_KEY=f"g{n}"
        )
        assert (response.status_code, response.json()["code"]) == (404, "unknown")
    assert (
        list(RedemptionAttempt.objects.filter(user=user).values_list("outcome", flat=True))
        == ["unknown"] * 3
    )
    braked = client.post(
        URL, {"code": voucher.code}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="g3"
    )
    assert (braked.status_code, braked.json()["code"]) == (429, "rate_limited")
    assert Redemption.objects.count() == 0
