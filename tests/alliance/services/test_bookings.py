"""Bookings and ratings: a location's daily capacity holds; only the merchant marks its
bookings, and not a no-show before the day; a customer rates only their own standing services,
once."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from carecircle.alliance import services
from carecircle.alliance.models import Booking, Rating
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


def test_booking_respects_the_locations_daily_capacity(wash):
    _, offer, location, _ = wash  # capacity 2
    customer = CustomerFactory()
    login = UserFactory(role=Role.CUSTOMER, customer=customer)
    vouchers = [VoucherFactory(product=offer.product, customer=customer) for _ in range(3)]
    day = dt.date(2026, 6, 5)
    services.book(vouchers[0], location, day, acting_user=login, share_consent=True)
    services.book(vouchers[1], location, day, acting_user=login)  # agreed with the first
    with pytest.raises(DomainError) as err:
        services.book(vouchers[2], location, day, acting_user=login)
    assert (err.value.code, err.value.status) == ("full", 409)
    elsewhere = LocationFactory(merchant=location.merchant)
    assert services.book(vouchers[2], elsewhere, day, acting_user=login).location == elsewhere


def test_only_the_merchant_marks_its_bookings_and_not_a_no_show_before_the_day():
    _, offer, location, user = merchant_with_offer()
    other = merchant_with_offer(product=offer.product)[3]
    booking = Booking.objects.create(
        voucher=VoucherFactory(product=offer.product),
        merchant=location.merchant,
        location=location,
        day=dt.date(2026, 6, 2),  # tomorrow
    )
    with pytest.raises(PermissionDenied):
        services.mark_booking(booking, "no_show", acting_user=other)
    with pytest.raises(DomainError) as early:
        services.mark_booking(booking, "no_show", acting_user=user)
    assert (early.value.code, Booking.objects.get().status) == ("too_early", "booked")
    with pytest.raises(DomainError) as bad:
        services.mark_booking(booking, "cancelled", acting_user=user)
    assert bad.value.code == "status"
    with clock.frozen_at(NOON + dt.timedelta(days=1)):
        services.mark_booking(booking, "no_show", acting_user=user)
        with pytest.raises(DomainError) as closed:
            services.mark_booking(booking, "attended", acting_user=user)
    assert (closed.value.code, Booking.objects.get().status) == ("booking_closed", "no_show")


def test_a_customer_rates_only_their_own_standing_services_once():
    _, offer, _, merchant = merchant_with_offer()
    customer = CustomerFactory()
    login = UserFactory(role=Role.CUSTOMER, customer=customer)
    used = services.redeem(
        VoucherFactory(product=offer.product, customer=customer).code, acting_user=merchant
    )
    stranger = UserFactory(role=Role.CUSTOMER, customer=CustomerFactory())
    with pytest.raises(PermissionDenied):
        services.rate(used, 1, acting_user=stranger, complaint=True)
    for stars in (0, 6):
        with pytest.raises(DomainError) as err:
            services.rate(used, stars, acting_user=login)
        assert err.value.code == "stars"
    services.rate(used, 2, acting_user=login)
    services.rate(used, 4, acting_user=login, comment="改评 / changed my mind")
    assert list(Rating.objects.values_list("stars", "comment")) == [(4, "改评 / changed my mind")]
    services.reverse(used, acting_user=merchant, reason="顾客取消 / cancelled")
    used.refresh_from_db()
    with pytest.raises(DomainError) as reversed_:
        services.rate(used, 1, acting_user=login)
    assert reversed_.value.code == "not_rateable"
