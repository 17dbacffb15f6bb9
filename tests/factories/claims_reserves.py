"""Claims (issue #16): a handler's reserve revision awaiting an approver, subrogation and
salvage."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory

from carecircle.claims.models import ReserveChange, Salvage, Subrogation

from .claims import ClaimFactory, at


class ReserveChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReserveChange

    claim = factory.SubFactory(ClaimFactory)
    coverage = factory.LazyAttribute(lambda o: o.claim.coverage)
    reserve_type = "case"
    balance_before = Decimal("0.00")
    new_balance = Decimal("30000.00")
    reason = "定损后上调 / raised after the assessment"
    requested_at = factory.LazyFunction(lambda: at(2))


class SubrogationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subrogation

    claim = factory.SubFactory(ClaimFactory, status="paid")
    against = "李四(对方车主) / the other driver"
    against_insurer = "某财产保险公司"
    amount_sought = Decimal("5000.00")
    sought_on = dt.date(2026, 3, 5)
    created_at = factory.LazyFunction(lambda: at(5))


class SalvageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Salvage

    claim = factory.SubFactory(ClaimFactory, status="paid")
    description = "更换下的前保险杠 / the replaced front bumper"
    valued_amount = Decimal("300.00")
    valued_on = dt.date(2026, 3, 5)
    created_at = factory.LazyFunction(lambda: at(5))
