import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from carecircle.core import clock
from carecircle.core.roles import Role
from carecircle.renewals.models import SeatProfile
from tests.factories import CustomerFactory, PolicyFactory, UserFactory, VehicleFactory

AS_OF = dt.date(2026, 5, 1)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour, minute))


@pytest.fixture
def today():
    """Business time frozen at 10:00 Beijing time on AS_OF."""
    with clock.frozen_at(at(AS_OF, 10)):
        yield AS_OF


def make_seat(username: str, capacity: int = 40, **skills) -> object:
    user = UserFactory(username=username, role=Role.SEAT, display_name=username)
    SeatProfile.objects.create(user=user, daily_capacity=capacity, **skills)
    return user


def expiring(
    days: int,
    *,
    customer=None,
    channel="direct",
    agent=None,
    partner=None,
    premium="3000.00",
    compulsory=True,
    consent=True,
    **policy,
):
    """A vehicle whose commercial (and compulsory) cover ends ``days`` after AS_OF."""
    customer = customer or CustomerFactory(marketing_consent=consent)
    vehicle = VehicleFactory(owner=customer)
    expiry = AS_OF + dt.timedelta(days=days)
    effective = expiry.replace(year=expiry.year - 1)
    lead = PolicyFactory(
        vehicle=vehicle,
        customer=customer,
        effective_date=effective,
        expiry_date=expiry,
        premium=Decimal(premium),
        channel=channel,
        agent=agent,
        partner=partner,
        **policy,
    )
    if compulsory:
        PolicyFactory(
            vehicle=vehicle,
            customer=customer,
            kind="compulsory",
            effective_date=effective,
            expiry_date=expiry,
            premium=Decimal("855.00"),
            ncd_level=None,
            ncd_coefficient=None,
            pricing_coefficient=None,
            channel=channel,
            agent=agent,
            partner=partner,
        )
    return lead


@pytest.fixture
def current_values(db):
    """Write a current value-engine row for a customer."""
    from carecircle.value.models import CustomerValue, ValueRun

    run = ValueRun.objects.create(as_of=AS_OF, status="done", is_current=True)

    def _make(customer, *, tier, p, ltv, premium, loss_ratio="0.50", margin="300.00"):
        return CustomerValue.objects.create(
            run=run,
            customer=customer,
            tier=tier,
            rule_tier=tier,
            reasons="test",
            renewal_probability=Decimal(p),
            tenure_years=Decimal("3.0"),
            lifetime_value=Decimal(ltv),
            annual_premium=Decimal(premium),
            loss_ratio_credible=Decimal(loss_ratio),
            annual_margin=Decimal(margin),
            value_percentile=Decimal("0.5"),
        )

    return _make
