"""Claims test data: a customer with a commercial policy in force, staff with claims roles."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.test import TestCase

from carecircle.claims.models import Claim, RepairTerms
from carecircle.core.roles import Role
from tests.factories import (
    CoverageFactory,
    PartnerFactory,
    PolicyFactory,
    UserFactory,
)

SH = dt.timezone(dt.timedelta(hours=8))
TODAY = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SH)  # a Monday


def committed():
    """Run the on-commit callbacks (the screening task) registered inside the block, as a real
    commit would; pytest-django's test transaction never commits."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def at(day: int, hour: int = 10, month: int = 3) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, 0, tzinfo=SH)


def policy_with_cover(**kwargs):
    kwargs.setdefault("effective_date", dt.date(2025, 6, 1))
    kwargs.setdefault("expiry_date", dt.date(2026, 6, 1))
    policy = PolicyFactory(**kwargs)
    CoverageFactory(policy=policy, code="vehicle_damage", limit=Decimal("150000.00"))
    CoverageFactory(
        policy=policy, code="third_party", limit=Decimal("1000000.00"), premium=Decimal("1260.00")
    )
    return policy


def staff():
    return {
        "handler": UserFactory(username="handler1", role=Role.CLAIMS_HANDLER),
        "approver": UserFactory(username="approver1", role=Role.CLAIMS_APPROVER),
        "manager": UserFactory(username="manager1", role=Role.MANAGER),
    }


def customer_user(policy):
    return UserFactory(
        username=f"cust{policy.customer.pk}", role=Role.CUSTOMER, customer=policy.customer
    )


def shop(**kwargs):
    kwargs.setdefault("kind", "repair_shop")
    partner = PartnerFactory(**kwargs)
    RepairTerms.objects.create(
        shop=partner,
        labour_rate=Decimal("150.00"),
        list_labour_rate=Decimal("300.00"),
        parts_factor=Decimal("0.960"),
        capacity_per_week=20,
    )
    return partner


class ClaimFactory(factory.django.DjangoModelFactory):
    """A claim row as imports write it (no workflow history)."""

    class Meta:
        model = Claim

    claim_no = factory.Sequence(lambda n: f"CLT{n:08d}")
    policy = factory.LazyFunction(policy_with_cover)
    vehicle = factory.SelfAttribute("policy.vehicle")
    coverage = "vehicle_damage"
    accident_at = factory.LazyFunction(lambda: at(1))
    reported_at = factory.LazyFunction(lambda: at(1, 12))
    status = "reported"
