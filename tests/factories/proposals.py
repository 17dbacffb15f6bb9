"""Proposals (投保单) awaiting payment, their quoted policies and coverages, payment orders."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from carecircle.policies.models import PaymentOrder, Proposal, ProposalCoverage, ProposalPolicy

from .policies import PolicyFactory


class ProposalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Proposal

    proposal_no = factory.Sequence(lambda n: f"TB20260501{n:08d}")
    vehicle = factory.SubFactory("tests.factories.parties.VehicleFactory")
    customer = factory.SelfAttribute("vehicle.owner")
    premium = Decimal("2160.00")
    vehicle_tax = Decimal("0.00")
    total_due = factory.LazyAttribute(lambda p: p.premium + p.vehicle_tax)
    expires_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=7))
    idempotency_key = factory.Sequence(lambda n: f"proposal-{n}")
    pay_token = factory.Sequence(lambda n: f"pay-token-{n:08d}")
    channel = "telesales"


class ProposalPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProposalPolicy

    proposal = factory.SubFactory(ProposalFactory)
    kind = "commercial"
    renews = factory.SubFactory(
        PolicyFactory,
        vehicle=factory.SelfAttribute("..proposal.vehicle"),
    )
    effective_date = dt.date(2026, 6, 1)
    expiry_date = dt.date(2027, 6, 1)
    premium = factory.SelfAttribute("proposal.premium")


class ProposalCoverageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProposalCoverage

    line = factory.SubFactory(ProposalPolicyFactory)
    code = "vehicle_damage"
    premium = factory.SelfAttribute("line.premium")


class PaymentOrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PaymentOrder

    proposal = factory.SubFactory(ProposalFactory)
    gateway = "simulator"
    reference = factory.Sequence(lambda n: f"PAY{n:012d}")
    amount = factory.SelfAttribute("proposal.total_due")
    created_at = factory.LazyFunction(timezone.now)
