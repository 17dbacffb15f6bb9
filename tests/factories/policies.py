"""Policies: a commercial policy a year from 1 June 2025, and its coverages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory

from carecircle.policies.models import Coverage, Policy

from .parties import VehicleFactory


class PolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Policy

    policy_no = factory.Sequence(lambda n: f"PDAA2025{n:010d}")
    kind = "commercial"
    vehicle = factory.SubFactory(VehicleFactory)
    customer = factory.SelfAttribute("vehicle.owner")
    effective_date = dt.date(2025, 6, 1)
    expiry_date = dt.date(2026, 6, 1)
    premium = Decimal("2760.00")
    ncd_level = 0
    ncd_coefficient = Decimal("1.000")
    pricing_coefficient = Decimal("1.000")
    channel = "direct"


class CoverageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Coverage

    policy = factory.SubFactory(PolicyFactory)
    code = "vehicle_damage"
    premium = Decimal("1500.00")
