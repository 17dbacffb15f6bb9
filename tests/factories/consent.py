"""Consent (parties.models_consent): an event of the append-only ledger and a current state
row. Tests that need a consent as the customer or staff would give it call
``carecircle.parties.consent.grant``; ``CustomerFactory(marketing_consent=True)`` records a
grant on every marketing channel (as an import would)."""

from __future__ import annotations

import datetime as dt

import factory

from carecircle.core.clock import now
from carecircle.parties.models_consent import Consent, ConsentEvent

from .parties import CustomerFactory


class ConsentEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConsentEvent

    customer = factory.SubFactory(CustomerFactory)
    purpose = "marketing"
    channel = "sms"
    key = "marketing:sms"
    action = "grant"
    source = "paper_form"
    wording = "marketing-v1"
    text = "我同意本公司通过短信向我介绍保险产品 / I agree to marketing by SMS"
    at = factory.LazyFunction(lambda: now() - dt.timedelta(days=1))


class ConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consent

    customer = factory.SubFactory(CustomerFactory)
    purpose = "marketing"
    channel = "sms"
    key = "marketing:sms"
    granted = True
    granted_at = factory.LazyFunction(lambda: now() - dt.timedelta(days=1))
    source = "paper_form"
    wording = "marketing-v1"
