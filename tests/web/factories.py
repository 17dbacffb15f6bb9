"""Factories for the web tests: claims, interactions and a customer with a renewal chain."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from carecircle.claims.models import Claim
from carecircle.touchpoints.models import Interaction
from tests.factories import CoverageFactory, CustomerFactory, PolicyFactory, VehicleFactory

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


class ClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Claim

    claim_no = factory.Sequence(lambda n: f"RDAA2025{n:010d}")
    policy = factory.SubFactory(PolicyFactory)
    vehicle = factory.SelfAttribute("policy.vehicle")
    coverage = "vehicle_damage"
    accident_at = dt.datetime(2025, 9, 1, 10, 0, tzinfo=SHANGHAI)
    reported_at = dt.datetime(2025, 9, 1, 11, 0, tzinfo=SHANGHAI)
    amount_reserved = Decimal("3200.00")
    status = "registered"


class InteractionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interaction

    customer = factory.SubFactory(CustomerFactory)
    contact_type = "phone"
    medium = "phone"
    direction = "outbound"
    occurred_at = factory.LazyFunction(timezone.now)
    summary = "续保提醒 / renewal reminder"
    outcome = "reached"


def customer_with_history(**customer_kwargs):
    """A customer with one car, three commercial years linked by ``renews``, a compulsory
    policy, coverages, two claims and one interaction of each of the five contact types."""
    customer = CustomerFactory(**customer_kwargs)
    car = VehicleFactory(owner=customer, plate="浙A12345")
    years = []
    previous = None
    for year in (2023, 2024, 2025):
        previous = PolicyFactory(
            vehicle=car,
            policy_no=f"PDAA{year}330100000001",
            effective_date=dt.date(year, 6, 1),
            expiry_date=dt.date(year + 1, 6, 1),
            premium=Decimal("2760.00") - (year - 2023) * Decimal("300.00"),
            ncd_level=-(year - 2023),
            ncd_coefficient=[Decimal("1.000"), Decimal("0.800"), Decimal("0.700")][year - 2023],
            renews=previous,
        )
        years.append(previous)
    compulsory = PolicyFactory(vehicle=car, kind="compulsory", policy_no="PDZA2025330100000001")
    CoverageFactory(policy=years[-1], code="vehicle_damage", limit=Decimal("150000.00"))
    CoverageFactory(policy=years[-1], code="third_party", limit=Decimal("2000000.00"))
    ClaimFactory(policy=years[0], claim_no="RDAA2023000000000001", status="closed")
    ClaimFactory(policy=years[-1], claim_no="RDAA2025000000000001", status="registered")
    for kind in ("sales", "phone", "claims", "service", "brand"):
        InteractionFactory(customer=customer, contact_type=kind, satisfaction=5)
    return customer, car, years, compulsory
