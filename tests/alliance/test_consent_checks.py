"""Booking a service at a merchant gives the merchant the customer's name and mobile number
(PIPL Art 23): it needs the customer's consent naming that merchant, asked on the booking form
with the wording; a customer whose processing is restricted is shared with no merchant."""

import datetime as dt
from types import SimpleNamespace

import pytest

from carecircle.alliance import services
from carecircle.alliance.models import Booking
from carecircle.core import clock
from carecircle.core.errors import DomainError
from carecircle.core.roles import Role
from carecircle.parties import consent
from carecircle.parties.models import Customer
from carecircle.parties.models_consent import ConsentEvent
from tests.factories import CustomerFactory, UserFactory
from tests.factories.alliance import LocationFactory, VoucherFactory, merchant_with_offer

pytestmark = pytest.mark.django_db
NOON = dt.datetime(2026, 6, 1, 12, tzinfo=dt.timezone(dt.timedelta(hours=8)))
DAY = dt.date(2026, 6, 5)


@pytest.fixture(autouse=True)
def noon():
    with clock.frozen_at(NOON):
        yield


@pytest.fixture
def wash():
    merchant, offer, location, _ = merchant_with_offer()
    customer = CustomerFactory(name="周杰")
    login = UserFactory(role=Role.CUSTOMER, customer=customer)
    vouchers = [VoucherFactory(product=offer.product, customer=customer) for _ in range(3)]
    return SimpleNamespace(
        merchant=merchant, location=location, customer=customer, login=login, vouchers=vouchers
    )


def refused(*args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as info:
        services.book(*args, **kwargs)
    return info.value


def test_without_consent_naming_the_merchant_there_is_no_booking(wash):
    w = wash
    error = refused(w.vouchers[0], w.location, DAY, acting_user=w.login)
    assert (error.code, error.field) == ("sharing_consent", "share_consent")
    assert w.merchant.name in error.message and "姓名和手机号" in error.message
    assert Booking.objects.count() == 0
    assert ConsentEvent.objects.count() == 0


def test_ticking_the_wording_records_consent_naming_the_merchant_and_books(wash):
    w = wash
    booking = services.book(w.vouchers[0], w.location, DAY, acting_user=w.login, share_consent=True)
    assert booking.merchant_id == w.merchant.pk
    event = ConsentEvent.objects.get()
    assert (event.key, event.action, event.source, event.wording, event.recorded_by) == (
        f"sharing:service_booking:{w.merchant.pk}",
        "grant",
        "phone_page",
        "sharing-v1",
        w.login,
    )
    assert w.merchant.name in event.text and "name and mobile number" in event.text
    # The same merchant again: already agreed, nothing more to tick or record.
    services.book(w.vouchers[1], w.location, DAY, acting_user=w.login)
    assert ConsentEvent.objects.count() == 1


def test_consent_to_one_merchant_does_not_reach_another(wash):
    w = wash
    services.book(w.vouchers[0], w.location, DAY, acting_user=w.login, share_consent=True)
    other_merchant, *_ = merchant_with_offer(product=w.vouchers[0].product)
    elsewhere = LocationFactory(merchant=other_merchant)
    error = refused(w.vouchers[1], elsewhere, DAY, acting_user=w.login)
    assert error.code == "sharing_consent" and other_merchant.name in error.message


def test_after_a_withdrawal_the_next_booking_asks_again(wash):
    w = wash
    services.book(w.vouchers[0], w.location, DAY, acting_user=w.login, share_consent=True)
    consent.withdraw(
        w.customer, "sharing", partner=w.merchant, use="service_booking", source="phone_page",
        acting_user=w.login,
    )  # fmt: skip
    assert refused(w.vouchers[1], w.location, DAY, acting_user=w.login).code == "sharing_consent"


def test_a_restricted_customer_is_booked_with_no_merchant_even_when_ticking(wash):
    w = wash
    services.book(w.vouchers[0], w.location, DAY, acting_user=w.login, share_consent=True)
    Customer.objects.filter(pk=w.customer.pk).update(restricted_at=clock.now())
    error = refused(w.vouchers[1], w.location, DAY, acting_user=w.login, share_consent=True)
    assert (error.code, error.status) == ("restricted", 409)
    assert Booking.objects.count() == 1


def test_a_full_day_leaves_no_consent_behind(wash):
    w = wash
    other = CustomerFactory()
    other_login = UserFactory(role=Role.CUSTOMER, customer=other)
    for _ in range(2):  # capacity 2, filled by someone else
        voucher = VoucherFactory(product=w.vouchers[0].product, customer=other)
        services.book(voucher, w.location, DAY, acting_user=other_login, share_consent=True)
    error = refused(w.vouchers[0], w.location, DAY, acting_user=w.login, share_consent=True)
    assert error.code == "full"
    assert not ConsentEvent.objects.filter(customer=w.customer).exists()


def test_staff_booking_for_a_customer_name_the_evidence_of_consent(wash):
    w = wash
    seat = UserFactory(role=Role.SEAT)
    Customer.objects.filter(pk=w.customer.pk).update(owner=seat)
    error = refused(w.vouchers[0], w.location, DAY, acting_user=seat, share_consent=True)
    assert error.code == "consent_source"
    services.book(
        w.vouchers[0], w.location, DAY, acting_user=seat, share_consent=True,
        consent_source="call_recording",
    )  # fmt: skip
    event = ConsentEvent.objects.get()
    assert (event.source, event.recorded_by) == ("call_recording", seat)


def test_the_booking_form_shows_the_wording_naming_the_merchant_and_the_tick_box(client, wash):
    w = wash
    client.force_login(w.login)
    page = client.get("/alliance/my/").content.decode()
    assert f'data-partner="{w.merchant.pk}" data-wording="sharing-v1" data-agreed="no"' in page
    assert f"我同意本公司向{w.merchant.name}提供我的姓名和手机号" in page
    assert 'name="share_consent"' in page
    response = client.post(
        f"/alliance/my/vouchers/{w.vouchers[0].pk}/book/",
        {"location": w.location.pk, "day": DAY.isoformat()},
    )
    assert response.status_code == 302 and Booking.objects.count() == 0
    client.post(
        f"/alliance/my/vouchers/{w.vouchers[0].pk}/book/",
        {"location": w.location.pk, "day": DAY.isoformat(), "share_consent": "on"},
    )
    assert Booking.objects.count() == 1
    page = client.get("/alliance/my/").content.decode()
    assert f'data-partner="{w.merchant.pk}" data-wording="sharing-v1" data-agreed="yes"' in page
