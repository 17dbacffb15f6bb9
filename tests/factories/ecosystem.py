"""Ecosystem: partner agreements and the weather warnings the branch uploads."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from carecircle.ecosystem.models import Agreement, WeatherAlert

from .parties import PartnerFactory


class AgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agreement

    agreement_no = factory.Sequence(lambda n: f"AG2026{n:04d}")
    partner = factory.SubFactory(PartnerFactory)
    status = "active"
    starts_on = dt.date(2026, 1, 1)
    ends_on = dt.date(2026, 12, 31)


class WeatherAlertFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WeatherAlert

    city = "杭州"
    day = factory.Sequence(lambda n: dt.date(2026, 3, 2) + dt.timedelta(days=n))
    level = "orange"
    warning = "暴雨橙色预警"
    warning_en = "Rainstorm, orange"
    uploaded_at = factory.LazyFunction(timezone.now)
