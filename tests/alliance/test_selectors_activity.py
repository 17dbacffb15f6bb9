"""Cost per customer and the renewal of customers who used a service vs those who did not
(issue #6 §4: "cost per customer vs the lift in renewal"), on a book worked out by hand."""

import datetime as dt
from decimal import Decimal

import pytest

from carecircle.alliance import selectors, services
from carecircle.core import clock
from tests.factories import PolicyFactory
from tests.factories.alliance import VoucherFactory, merchant_with_offer

pytestmark = pytest.mark.django_db
SH = dt.timezone(dt.timedelta(hours=8))


def test_cost_per_customer_and_renewal_lift_of_service_users():
    """Four policies ended in the window, each with a voucher. Two customers used theirs at
    ¥35.50 and both renewed; of the two who did not, one renewed. Users renew at 100 %, the
    others at 50 %: a lift of 50 points, for ¥71.00 over 4 entitled customers (¥17.75 each)."""
    _merchant, offer, location, till = merchant_with_offer(price="35.50")
    ended = []
    for renewed, used in ((True, True), (True, True), (True, False), (False, False)):
        policy = PolicyFactory(
            effective_date=dt.date(2025, 2, 15), expiry_date=dt.date(2026, 2, 15)
        )
        voucher = VoucherFactory(
            customer=policy.customer,
            policy=policy,
            product=offer.product,
            valid_from=dt.date(2025, 2, 15),
            valid_until=dt.date(2026, 2, 14),
        )
        if used:
            with clock.frozen_at(dt.datetime(2026, 1, 10, 10, tzinfo=SH)):
                services.redeem(voucher.code, acting_user=till, location_id=location.pk)
        if renewed:
            PolicyFactory(
                customer=policy.customer,
                vehicle=policy.vehicle,
                renews=policy,
                effective_date=dt.date(2026, 2, 15),
                expiry_date=dt.date(2027, 2, 15),
            )
        ended.append(policy)
    with clock.frozen_at(dt.datetime(2026, 3, 2, 10, tzinfo=SH)):
        activity = selectors.activity()
    assert (activity.entitled, activity.active) == (4, 2)
    assert activity.cost == Decimal("71.00")
    assert activity.cost_per_customer == Decimal("17.75")
    assert activity.renewal == {
        "users": 2,
        "users_rate": 1.0,
        "others": 2,
        "others_rate": 0.5,
        "lift": 0.5,
    }
