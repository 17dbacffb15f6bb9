"""Claims (issue #16): a handler's reserve revision awaiting an approver, subrogation (and
its receipts) and salvage."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory

from carecircle.claims.models import ReserveChange, Salvage, Subrogation, SubrogationReceipt

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
        skip_postgeneration_save = True

    claim = factory.SubFactory(ClaimFactory, status="paid")
    against = "李四(对方车主) / the other driver"
    against_insurer = "某财产保险公司"
    amount_sought = Decimal("5000.00")
    sought_on = dt.date(2026, 3, 5)
    created_at = factory.LazyFunction(lambda: at(5))

    @factory.post_generation
    def receipt(obj, create, extracted, **kwargs):
        """A subrogation built with an amount recovered has that one receipt (on
        ``recovered_on``), as the service and the migration leave it."""
        if create and obj.amount_recovered > 0:
            SubrogationReceipt.objects.create(
                subrogation=obj, claim=obj.claim, amount=obj.amount_recovered,
                received_on=obj.recovered_on or obj.sought_on, recorded_at=obj.created_at,
            )  # fmt: skip


class SubrogationReceiptFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SubrogationReceipt

    subrogation = factory.SubFactory(SubrogationFactory)
    claim = factory.LazyAttribute(lambda o: o.subrogation.claim)
    amount = Decimal("1000.00")
    received_on = dt.date(2026, 3, 20)
    recorded_at = factory.LazyFunction(lambda: at(20))


class SalvageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Salvage

    claim = factory.SubFactory(ClaimFactory, status="paid")
    description = "更换下的前保险杠 / the replaced front bumper"
    valued_amount = Decimal("300.00")
    valued_on = dt.date(2026, 3, 5)
    created_at = factory.LazyFunction(lambda: at(5))
