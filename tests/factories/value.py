"""Value: runs and their per-customer results, tier history and reviews, grey/black lists,
model versions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory

from carecircle.core import clock
from carecircle.value.models import (
    CustomerValue,
    ListEntry,
    ListEvent,
    ModelVersion,
    TierHistory,
    TierReview,
    ValueRun,
)

from .parties import CustomerFactory


class ValueRunFactory(factory.django.DjangoModelFactory):
    """A finished value run (not the current one unless told: only one run may be current)."""

    class Meta:
        model = ValueRun

    as_of = dt.date(2026, 3, 1)
    status = "succeeded"


def current_run() -> ValueRun:
    """The current value run, made (finished, as of 1 March 2026) when there is none."""
    return ValueRun.objects.filter(is_current=True).first() or ValueRunFactory(is_current=True)


class CustomerValueFactory(factory.django.DjangoModelFactory):
    """A customer's row in the current run: a standard customer of three years."""

    class Meta:
        model = CustomerValue

    run = factory.LazyFunction(current_run)
    customer = factory.SubFactory(CustomerFactory)
    tenure_years = Decimal("3.0")
    loss_ratio_credible = Decimal("0.5000")
    renewal_probability = Decimal("0.8000")
    value_percentile = Decimal("0.5000")
    tier = "standard"
    rule_tier = factory.SelfAttribute("tier")
    reasons = ""


class HeldBackValueFactory(CustomerValueFactory):
    """A loyal customer of eight years whose fall from gold the humane rules held to one step
    (silver, flagged for a person's review)."""

    tenure_years = Decimal("8.0")
    loss_ratio_3y = Decimal("0.3500")
    loss_ratio_credible = Decimal("0.4000")
    value_percentile = Decimal("0.1200")
    lifetime_value = Decimal("12400.00")
    rule_tier = "standard"
    tier = "silver"
    previous_tier = "gold"
    reasons = "tenure,loss_ratio,lifetime_value,step_limited"
    needs_review = "step_limited"


class TierHistoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TierHistory

    customer = factory.SubFactory(CustomerFactory)
    as_of = dt.date(2026, 3, 1)
    tier = "gold"


class TierReviewFactory(factory.django.DjangoModelFactory):
    """A pending review: the engine held a drop from gold to standard for a manager's word."""

    class Meta:
        model = TierReview

    customer = factory.SubFactory(CustomerFactory)
    current_tier = "gold"
    proposed_tier = "standard"
    reason = "step_limited"


class ListEntryFactory(factory.django.DjangoModelFactory):
    """A proposed grey-list entry."""

    class Meta:
        model = ListEntry

    customer = factory.SubFactory(CustomerFactory)
    kind = "grey"
    reasons = "list_grey"


class ListEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ListEvent

    entry = factory.SubFactory(ListEntryFactory)
    action = "propose"
    to_status = "proposed"


def proposed_grey_entry(customer_no: str = "C00000077") -> ListEntry:
    """A loss-making customer the engine proposes for the grey list (six claims in three
    years, credible loss ratio 1.624), with the proposal's event, for a person to decide."""
    customer = CustomerFactory(customer_no=customer_no)
    HeldBackValueFactory(
        customer=customer, reasons="tenure,lifetime_value,list_grey", list_proposal="grey"
    )
    entry = ListEntryFactory(
        customer=customer,
        reasons="tenure,loss_making,list_grey",
        evidence={"claims_3y": 6, "loss_ratio_credible": "1.6240"},
        expires_on=clock.today() + dt.timedelta(days=365),
    )
    ListEventFactory(entry=entry)
    return entry


class ModelVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ModelVersion

    kind = "risk"
    name = "tests"
    version = factory.Sequence(lambda n: n + 1)
    training_data_hash = factory.Sequence(lambda n: f"sha256:{n:064d}")
    schema_version = 1
