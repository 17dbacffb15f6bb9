"""Claims: claims (three ready-made stories), their workflow rows, admin rules and the repair
network; helpers for a policy with cover, claims staff, a customer's login and a repair shop."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.test import TestCase

from carecircle.claims.models import (
    ApprovalAuthority,
    Claim,
    ClaimDocument,
    ClaimFlag,
    ClaimPayment,
    ClaimTransition,
    FastTrackRule,
    RepairService,
    RepairTerms,
    ReserveMovement,
)
from carecircle.core.roles import Role

from .core import SH, UserFactory
from .parties import CustomerFactory, PartnerFactory, VehicleFactory
from .policies import CoverageFactory, PolicyFactory

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


class RepairTermsFactory(factory.django.DjangoModelFactory):
    """A network repair shop's negotiated terms (half the list labour rate)."""

    class Meta:
        model = RepairTerms

    shop = factory.SubFactory(PartnerFactory, kind="repair_shop")
    labour_rate = Decimal("150.00")
    list_labour_rate = Decimal("300.00")
    parts_factor = Decimal("0.960")
    capacity_per_week = 20


def shop(**kwargs):
    kwargs.setdefault("kind", "repair_shop")
    partner = PartnerFactory(**kwargs)
    RepairTermsFactory(shop=partner)
    return partner


class ClaimFactory(factory.django.DjangoModelFactory):
    """A claim row as imports write it (no workflow history): reported on 1 March 2026 on a
    commercial policy with vehicle-damage and third-party cover."""

    class Meta:
        model = Claim

    claim_no = factory.Sequence(lambda n: f"CLT{n:08d}")
    policy = factory.LazyFunction(policy_with_cover)
    vehicle = factory.SelfAttribute("policy.vehicle")
    coverage = "vehicle_damage"
    accident_at = factory.LazyFunction(lambda: at(1))
    reported_at = factory.LazyFunction(lambda: at(1, 12))
    status = "reported"


class PlainClaimFactory(ClaimFactory):
    """A reported claim of 3 February 2026 on a policy without coverage rows, nothing reserved
    or paid (the partner network's and touchpoints' tests)."""

    claim_no = factory.Sequence(lambda n: f"CLM2026{n:08d}")
    policy = factory.SubFactory(PolicyFactory)
    accident_at = dt.datetime(2026, 2, 3, 9, 0, tzinfo=SH)
    reported_at = dt.datetime(2026, 2, 3, 10, 0, tzinfo=SH)
    amount_reserved = Decimal("0.00")
    amount_paid = Decimal("0.00")


class RegisteredClaimFactory(ClaimFactory):
    """A registered claim of 1 September 2025 with ¥3,200 reserved, on a policy without
    coverage rows (the customer 360 and home pages)."""

    claim_no = factory.Sequence(lambda n: f"RDAA2025{n:010d}")
    policy = factory.SubFactory(PolicyFactory)
    accident_at = dt.datetime(2025, 9, 1, 10, 0, tzinfo=SH)
    reported_at = dt.datetime(2025, 9, 1, 11, 0, tzinfo=SH)
    amount_reserved = Decimal("3200.00")
    status = "registered"


class ClaimTransitionFactory(factory.django.DjangoModelFactory):
    """One workflow step of a claim (registered → assessed unless told)."""

    class Meta:
        model = ClaimTransition

    claim = factory.SubFactory(RegisteredClaimFactory)
    action = "assess"
    from_status = "registered"
    to_status = "assessed"
    at = factory.LazyFunction(lambda: at(2))


class ClaimPaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClaimPayment

    claim = factory.SubFactory(ClaimFactory, status="approved")
    kind = "final"
    amount = Decimal("1000.00")
    payee = "customer"
    idempotency_key = factory.Sequence(lambda n: f"pay-{n}")
    created_at = factory.LazyFunction(lambda: at(5))


class ReserveMovementFactory(factory.django.DjangoModelFactory):
    """An opening case reserve of ¥1,000 on the claim's own coverage."""

    class Meta:
        model = ReserveMovement

    claim = factory.SubFactory(ClaimFactory)
    coverage = factory.LazyAttribute(lambda o: o.claim.coverage)
    reserve_type = "case"
    kind = "open"
    amount = Decimal("1000.00")
    balance_after = factory.LazyAttribute(lambda o: o.amount)
    at = factory.LazyFunction(lambda: at(1))


class ClaimDocumentFactory(factory.django.DjangoModelFactory):
    """A document row pointing at a stored name (no file is written)."""

    class Meta:
        model = ClaimDocument

    claim = factory.SubFactory(ClaimFactory)
    kind = "photo"
    file = factory.Sequence(lambda n: f"claims/tests/photo{n}.jpg")
    original_name = "photo.jpg"
    content_type = "image/jpeg"
    size = 1024
    uploaded_at = factory.LazyFunction(lambda: at(1, 13))


class ClaimFlagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClaimFlag

    claim = factory.SubFactory(ClaimFactory)
    code = "soon_after_inception"
    reason = "test"
    raised_at = factory.LazyFunction(lambda: at(1, 12))


class ApprovalAuthorityFactory(factory.django.DjangoModelFactory):
    """A role's approval limit; by default the approver's ¥50,000 at level 1, as the claims
    migration seeds it (one row per role: an existing row is returned)."""

    class Meta:
        model = ApprovalAuthority
        django_get_or_create = ("role",)

    role = Role.CLAIMS_APPROVER
    limit = Decimal("50000.00")
    level = 1


class FastTrackRuleFactory(factory.django.DjangoModelFactory):
    """A fast-track rule: up to ¥5,000, every tier, liability clear (the model's defaults)."""

    class Meta:
        model = FastTrackRule

    name = factory.Sequence(lambda n: f"快赔规则{n}")


class RepairServiceFactory(factory.django.DjangoModelFactory):
    """Discounted repair booked without a claim at a network shop's negotiated price."""

    class Meta:
        model = RepairService

    customer = factory.SubFactory(CustomerFactory)
    vehicle = factory.SubFactory(VehicleFactory, owner=factory.SelfAttribute("..customer"))
    shop = factory.SubFactory(PartnerFactory, kind="repair_shop")
    description = "前保险杠喷漆 / front bumper paint"
    list_price = Decimal("1200.00")
    price = Decimal("900.00")
    booked_for = dt.date(2026, 3, 9)
