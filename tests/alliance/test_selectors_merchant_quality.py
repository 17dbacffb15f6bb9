"""Service quality (selectors.merchant_quality): customers' ratings (with a complaint), bookings
marked attended or no-show, complaint cases naming merchants; a merchant whose rating,
complaint rate or no-show rate crosses its threshold, with enough observations, is flagged for
review.  Rating and marking themselves: services/test_bookings.py."""

import datetime as dt

import pytest

from carecircle.alliance import selectors, services
from carecircle.alliance.models import Booking
from carecircle.alliance.selectors import quality_flags
from carecircle.core import clock
from carecircle.core.roles import Role
from carecircle.touchpoints.models import Complaint
from tests.factories import CustomerFactory, UserFactory
from tests.factories.alliance import VoucherFactory, merchant_with_offer

pytestmark = pytest.mark.django_db
NOON = dt.datetime(2026, 6, 1, 12, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture(autouse=True)
def noon():
    with clock.frozen_at(NOON):
        yield


def test_review_flags_follow_the_thresholds_and_small_samples_are_not_judged():
    # defaults: at least 5 observations; rating < 3.5; complaints > 5 %; no-shows > 20 %
    assert quality_flags(3.4, 5, 0, 5, 0, 0) == ["low_rating"]
    assert quality_flags(3.5, 5, 0, 5, 0, 0) == []
    assert quality_flags(1.0, 4, 0, 5, 0, 0) == []  # four ratings are not enough
    assert quality_flags(None, 0, 1, 20, 0, 0) == []  # exactly 5 % is not above
    assert quality_flags(None, 0, 2, 20, 0, 0) == ["complaints"]
    assert quality_flags(None, 0, 4, 4, 0, 0) == []  # four redemptions are not enough
    assert quality_flags(None, 0, 0, 0, 2, 10) == []  # exactly 20 % is not above
    assert quality_flags(None, 0, 0, 0, 3, 10) == ["no_shows"]
    assert quality_flags(2.0, 5, 1, 5, 3, 5) == ["low_rating", "complaints", "no_shows"]


def _complaint_about(merchant, customer):
    return Complaint.objects.create(
        complaint_no=f"TS{merchant.pk:04d}{customer.pk:06d}",
        customer=customer,
        channel="phone",
        category="merchant_service",
        severity="normal",
        touchpoint="service",
        summary="洗车划伤 / scratched in the car wash",
        received_at=NOON,
        due_at=NOON + dt.timedelta(days=10),
        merchant=merchant,
    )


@pytest.fixture
def two_merchants():
    """Poor: five uses rated 3,3,3,4,4 (mean 3.4, one complaint ticked) and a complaint case,
    five bookings of which two were no-shows.  Good: five uses rated 5, no bookings."""
    customer = CustomerFactory()
    login = UserFactory(role=Role.CUSTOMER, customer=customer)
    poor, poor_offer, poor_location, poor_user = merchant_with_offer()
    good, good_offer, _, good_user = merchant_with_offer(product=poor_offer.product)
    for n, stars in enumerate([3, 3, 3, 4, 4]):
        used = services.redeem(
            VoucherFactory(product=poor_offer.product, customer=customer).code,
            acting_user=poor_user,
        )
        services.rate(used, stars, acting_user=login, complaint=n == 0)
    for _ in range(5):
        used = services.redeem(
            VoucherFactory(product=good_offer.product, customer=customer).code,
            acting_user=good_user,
        )
        services.rate(used, 5, acting_user=login)
    _complaint_about(poor, customer)
    for n in range(5):
        booking = Booking.objects.create(
            voucher=VoucherFactory(product=poor_offer.product, customer=customer),
            merchant=poor,
            location=poor_location,
            day=dt.date(2026, 5, 20 + n),
        )
        status = "no_show" if n < 2 else "attended"
        services.mark_booking(booking, status, acting_user=poor_user)
    return poor, poor_user, good, good_user


def test_a_merchant_below_the_marks_is_flagged_for_review_with_exact_figures(two_merchants):
    poor, _, good, _ = two_merchants
    manager = UserFactory(role=Role.SERVICE_MANAGER)
    rows = {q.merchant.pk: q for q in selectors.merchant_quality(manager)}
    p, g = rows[poor.pk], rows[good.pk]
    assert (p.redemptions, p.ratings, round(p.rating, 2)) == (5, 5, 3.4)
    assert (p.complaints, p.formal_complaints, p.complaint_rate) == (1, 1, 0.4)
    assert (p.bookings_closed, p.no_shows, p.no_show_rate) == (5, 2, 0.4)
    assert p.flags == ["low_rating", "complaints", "no_shows"]
    assert (g.redemptions, g.rating, g.all_complaints, g.no_show_rate, g.flags) == (
        5,
        5.0,
        0,
        None,
        [],
    )
    assert next(q.merchant.pk for q in selectors.merchant_quality(manager)) == poor.pk  # first


def test_the_dashboard_lists_the_flagged_merchant_and_a_merchant_sees_only_its_own(
    two_merchants, client
):
    poor, _, good, good_user = two_merchants
    client.force_login(UserFactory(role=Role.SERVICE_MANAGER))
    page = client.get("/alliance/dashboard/").content.decode()
    assert "(1 家待复核 / flagged for review)" in page
    for label in (
        "评分偏低 / low rating",
        "投诉偏多 / many complaints",
        "爽约率高 / high no-show rate",
    ):
        assert label in page
    assert [q.merchant.pk for q in selectors.merchant_quality(good_user)] == [good.pk]
    client.force_login(good_user)
    portal = client.get("/alliance/merchant/").content.decode()
    assert "5.00 (5)" in portal and poor.name not in portal
