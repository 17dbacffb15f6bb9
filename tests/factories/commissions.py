"""Ecosystem commissions: schedules with their adjustments, statements and their lines."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory

from carecircle.ecosystem.models import (
    CommissionAdjustment,
    CommissionLine,
    CommissionSchedule,
    CommissionStatement,
)

from .parties import PartnerFactory
from .policies import PolicyFactory


class LicensedPartnerFactory(PartnerFactory):
    """A partner holding a sideline agency licence (兼业代理), as a 4S shop usually does."""

    licence_type = "sideline_agency"


class CommissionScheduleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommissionSchedule

    partner = factory.SubFactory(LicensedPartnerFactory)
    line = "commercial"
    base_rate = Decimal("0.1000")
    starts_on = dt.date(2026, 1, 1)


class CommissionAdjustmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommissionAdjustment

    schedule = factory.SubFactory(CommissionScheduleFactory)
    segment = "renewal"
    delta = Decimal("0.0100")
    reason = "续保 / renewal"


class CommissionStatementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommissionStatement

    statement_no = factory.Sequence(lambda n: f"CM202602-T{n:06d}")
    partner = factory.SubFactory(LicensedPartnerFactory)
    month = dt.date(2026, 2, 1)


class CommissionLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommissionLine

    statement = factory.SubFactory(CommissionStatementFactory)
    policy = factory.SubFactory(PolicyFactory, partner=factory.SelfAttribute("..statement.partner"))
    kind = "commission"
    line = "commercial"
    segment = "new"
    premium = factory.SelfAttribute("policy.premium")
    rate = Decimal("0.1000")
    amount = factory.LazyAttribute(lambda o: (o.premium * o.rate).quantize(Decimal("0.01")))
    reason = "基准 10% / base 10%"
    written_on = factory.SelfAttribute("policy.effective_date")
