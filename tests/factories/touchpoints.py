"""Touchpoints: interactions of the five contact types, complaints and their events, surveys
after key moments, referrals."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from carecircle.touchpoints.models import (
    Complaint,
    ComplaintEvent,
    Interaction,
    Referral,
    Survey,
)

from .core import SH
from .parties import CustomerFactory

RECEIVED = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SH)


class InteractionFactory(factory.django.DjangoModelFactory):
    """An outbound renewal call that reached the customer, now."""

    class Meta:
        model = Interaction

    customer = factory.SubFactory(CustomerFactory)
    contact_type = "phone"
    medium = "phone"
    direction = "outbound"
    occurred_at = factory.LazyFunction(timezone.now)
    summary = "续保提醒 / renewal reminder"
    outcome = "reached"


class ComplaintFactory(factory.django.DjangoModelFactory):
    """A complaint received by phone on 2 March 2026 about claims speed, due ten days later."""

    class Meta:
        model = Complaint

    complaint_no = factory.Sequence(lambda n: f"TS2026{n:06d}")
    customer = factory.SubFactory(CustomerFactory)
    channel = "phone"
    category = "speed"
    severity = "normal"
    touchpoint = "claims"
    summary = "理赔太慢 / the claim is slow"
    received_at = RECEIVED
    due_at = factory.LazyAttribute(lambda o: o.received_at + dt.timedelta(days=10))


class ComplaintEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ComplaintEvent

    complaint = factory.SubFactory(ComplaintFactory)
    at = factory.SelfAttribute("complaint.received_at")
    action = "receive"
    to_status = "open"


class SurveyFactory(factory.django.DjangoModelFactory):
    """A survey sent after a claim closed, open for seven days."""

    class Meta:
        model = Survey

    customer = factory.SubFactory(CustomerFactory)
    moment = "claim_closed"
    touchpoint = "claims"
    dedupe_key = factory.Sequence(lambda n: f"survey-{n}")
    sent_at = RECEIVED
    expires_at = factory.LazyAttribute(lambda o: o.sent_at + dt.timedelta(days=7))


class ReferralFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Referral

    referrer = factory.SubFactory(CustomerFactory)
    referred_name = factory.Sequence(lambda n: f"李{n}")
    recorded_at = RECEIVED
