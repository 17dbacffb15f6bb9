"""Privacy factories: a customer's request on its clock, a data export, a retention run."""

from __future__ import annotations

import datetime as dt

import factory

from carecircle.core import clock
from carecircle.privacy.choices import ExportStatus, RequestKind, ReviewSubject
from carecircle.privacy.models import DataExport, PrivacyRequest, RetentionRun

from .parties import CustomerFactory


class PrivacyRequestFactory(factory.django.DjangoModelFactory):
    """An open review of the customer's tier, received now, due 15 working days on (a
    weekday-only count here; the service computes it on the loaded calendar)."""

    class Meta:
        model = PrivacyRequest

    customer = factory.SubFactory(CustomerFactory)
    kind = RequestKind.REVIEW
    subject = factory.LazyAttribute(
        lambda r: ReviewSubject.TIER if r.kind == RequestKind.REVIEW else ""
    )
    received_at = factory.LazyFunction(clock.now)
    due_on = factory.LazyAttribute(lambda r: r.received_at.date() + dt.timedelta(days=21))


class DataExportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DataExport

    request = factory.SubFactory(PrivacyRequestFactory, kind=RequestKind.EXPORT)
    customer = factory.SelfAttribute("request.customer")
    status = ExportStatus.PENDING


class RetentionRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RetentionRun

    started_at = factory.LazyFunction(clock.now)
    as_of = factory.LazyFunction(clock.today)
