"""Renewals: call tasks, assignments, contacts, quotes, compliance blocks and seats."""

from __future__ import annotations

from decimal import Decimal

import factory
from django.utils import timezone

from carecircle.core.roles import Role
from carecircle.renewals.models import (
    Assignment,
    ComplianceBlock,
    Contact,
    Quote,
    RenewalTask,
    SeatProfile,
)

from .core import UserFactory
from .policies import PolicyFactory


class RenewalTaskFactory(factory.django.DjangoModelFactory):
    """An open telesales task on a standard customer's expiring policy."""

    class Meta:
        model = RenewalTask

    policy = factory.SubFactory(PolicyFactory)
    customer = factory.SelfAttribute("policy.customer")
    expiry_date = factory.SelfAttribute("policy.expiry_date")
    premium_last_year = factory.SelfAttribute("policy.premium")
    stage = "telesales"
    status = "open"
    segment = "standard"
    lift = Decimal("0.1")


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    task = factory.SubFactory(RenewalTaskFactory)
    reason = "load"


class ContactFactory(factory.django.DjangoModelFactory):
    """A telesales call on a task that reached the customer and quoted."""

    class Meta:
        model = Contact

    task = factory.SubFactory(RenewalTaskFactory)
    customer = factory.SelfAttribute("task.customer")
    channel = "telesales"
    at = factory.LazyFunction(timezone.now)
    outcome = "quoted"
    connected = True
    idempotency_key = factory.Sequence(lambda n: f"contact-{n}")


class QuoteFactory(factory.django.DjangoModelFactory):
    """A quote at last year's premium with no NCD or pricing change."""

    class Meta:
        model = Quote

    task = factory.SubFactory(RenewalTaskFactory)
    base_premium = factory.SelfAttribute("task.premium_last_year")
    ncd_level = 0
    ncd_coefficient = Decimal("1.000")
    pricing_coefficient = Decimal("1.000")
    traffic_violation_coefficient = Decimal("1.000")
    commercial_premium = factory.SelfAttribute("base_premium")
    total = factory.SelfAttribute("commercial_premium")
    last_year_total = factory.SelfAttribute("task.premium_last_year")


class ComplianceBlockFactory(factory.django.DjangoModelFactory):
    """A call refused by the calling-hours rule."""

    class Meta:
        model = ComplianceBlock

    task = factory.SubFactory(RenewalTaskFactory)
    customer = factory.SelfAttribute("task.customer")
    at = factory.LazyFunction(timezone.now)
    rule = "calling_hours"
    message = "x"


class SeatProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SeatProfile

    user = factory.SubFactory(UserFactory, role=Role.SEAT)
