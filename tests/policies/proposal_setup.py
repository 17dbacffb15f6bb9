"""A renewal offer on a vehicle whose commercial and compulsory cover ends on 5 June 2026:
last year's commercial policy has three coverages and a roadside-rescue rider; a package
gives a towing voucher to every policy with that rider."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from carecircle.policies.payments.services import receive, start_payment
from carecircle.policies.payments.simulator import SimulatorGateway
from carecircle.policies.proposals import QuotedPolicy, create_proposal
from tests.factories import (
    CoverageFactory,
    CustomerFactory,
    ItemFactory,
    PackageFactory,
    PolicyFactory,
    ProductFactory,
    VehicleFactory,
)

NOW = timezone.make_aware(dt.datetime(2026, 5, 10, 10, 0))
EXPIRY = dt.date(2026, 6, 5)
IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def old_policies():
    customer = CustomerFactory(name="王忠诚")
    vehicle = VehicleFactory(owner=customer)
    effective = dt.date(2025, 6, 5)
    commercial = PolicyFactory(
        vehicle=vehicle, effective_date=effective, expiry_date=EXPIRY, premium=Decimal("3000.00")
    )
    CoverageFactory(policy=commercial, code="vehicle_damage", premium=Decimal("1700.00"))
    CoverageFactory(
        policy=commercial, code="third_party", premium=Decimal("1240.00"), limit=Decimal("1000000")
    )
    CoverageFactory(policy=commercial, code="roadside_rescue", premium=Decimal("60.00"))
    compulsory = PolicyFactory(
        vehicle=vehicle,
        kind="compulsory",
        effective_date=effective,
        expiry_date=EXPIRY,
        premium=Decimal("855.00"),
        ncd_level=None,
        ncd_coefficient=None,
        pricing_coefficient=None,
    )
    return commercial, compulsory


def towing_package():
    package = PackageFactory(rider="roadside_rescue")
    ItemFactory(package=package, product=ProductFactory(code="towing"), quantity=1)
    return package


def offer(commercial, compulsory, *, seat=None, key="k1", commercial_premium="2100.00"):
    quoted = []
    if commercial is not None:
        quoted.append(
            QuotedPolicy(
                renews=commercial,
                premium=Decimal(commercial_premium),
                ncd_level=-2,
                ncd_coefficient=Decimal("0.700"),
                pricing_coefficient=Decimal("1.000"),
            )
        )
    if compulsory is not None:
        quoted.append(
            QuotedPolicy(
                renews=compulsory, premium=Decimal("855.00"), vehicle_tax=Decimal("360.00")
            )
        )
    return create_proposal(
        acting_user=seat, quoted=quoted, channel="telesales", idempotency_key=key
    )


def pay(proposal):
    """The customer presses pay; the simulator signs and we receive its notification."""
    order = start_payment(proposal)
    body, headers = SimulatorGateway().notification(order.reference, order.amount)
    return receive("simulator", body, headers)
