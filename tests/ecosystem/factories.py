"""Factories for the ecosystem and touchpoints tests (claims and agreements)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory

from carecircle.claims.models import Claim
from carecircle.ecosystem.models import Agreement
from tests.factories import PartnerFactory, PolicyFactory

SH = dt.timezone(dt.timedelta(hours=8))


class ClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Claim

    claim_no = factory.Sequence(lambda n: f"CLM2026{n:08d}")
    policy = factory.SubFactory(PolicyFactory)
    vehicle = factory.SelfAttribute("policy.vehicle")
    coverage = "vehicle_damage"
    accident_at = dt.datetime(2026, 2, 3, 9, 0, tzinfo=SH)
    reported_at = dt.datetime(2026, 2, 3, 10, 0, tzinfo=SH)
    amount_reserved = Decimal("0.00")
    amount_paid = Decimal("0.00")
    status = "reported"


class AgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agreement

    agreement_no = factory.Sequence(lambda n: f"AG2026{n:04d}")
    partner = factory.SubFactory(PartnerFactory)
    status = "active"
    starts_on = dt.date(2026, 1, 1)
    ends_on = dt.date(2026, 12, 31)
