"""Data migration 0008: the old ``marketing_consent`` flag becomes consent rows — a grant on
every marketing channel with source ``migration`` — and customers without the flag get none."""

import datetime as dt
from importlib import import_module
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection

from carecircle.parties import consent
from carecircle.parties.models import Customer
from carecircle.parties.models_consent import Consent, ConsentEvent
from tests.factories import SH, CustomerFactory

pytestmark = pytest.mark.django_db

migration = import_module("carecircle.parties.migrations.0008_marketing_flag_to_consent_rows")


def test_the_flag_becomes_a_grant_on_each_marketing_channel_given_when_the_flag_was_set():
    flagged, plain = CustomerFactory(), CustomerFactory()
    given = dt.datetime(2025, 4, 1, 9, 30, tzinfo=SH)
    # Set as the old code did: the flag and its time, no consent rows.
    Customer.objects.filter(pk=flagged.pk).update(
        marketing_consent=True, marketing_consent_at=given
    )

    migration.forwards(apps, SimpleNamespace(connection=connection))

    events = ConsentEvent.objects.filter(customer=flagged).order_by("channel")
    assert [(e.key, e.action, e.source, e.wording, e.at) for e in events] == [
        ("marketing:email", "grant", "migration", "marketing-legacy", given),
        ("marketing:phone", "grant", "migration", "marketing-legacy", given),
        ("marketing:sms", "grant", "migration", "marketing-legacy", given),
        ("marketing:wechat", "grant", "migration", "marketing-legacy", given),
    ]
    assert {e.recorded_by_id for e in events} == {None}
    assert events.get(channel="sms").text.endswith("(短信 / SMS)")
    states = Consent.objects.filter(customer=flagged, granted=True)
    assert sorted(states.values_list("channel", flat=True)) == ["email", "phone", "sms", "wechat"]
    assert not ConsentEvent.objects.filter(customer=plain).exists()
    assert consent.allows(flagged, "marketing", "phone") is True
    assert consent.allows(plain, "marketing", "phone") is False


def test_without_a_recorded_time_the_grant_dates_from_the_customers_creation():
    flagged = CustomerFactory()
    Customer.objects.filter(pk=flagged.pk).update(marketing_consent=True, marketing_consent_at=None)
    migration.forwards(apps, SimpleNamespace(connection=connection))
    flagged.refresh_from_db()
    assert set(ConsentEvent.objects.filter(customer=flagged).values_list("at", flat=True)) == {
        flagged.created_at
    }


def test_the_migration_is_reversible_and_removes_only_its_own_rows():
    flagged = CustomerFactory()
    Customer.objects.filter(pk=flagged.pk).update(marketing_consent=True)
    migration.forwards(apps, SimpleNamespace(connection=connection))
    consent.grant(flagged, "automated", source="import", acting_user=None)
    migration.backwards(apps, SimpleNamespace(connection=connection))
    assert list(ConsentEvent.objects.values_list("key", flat=True)) == ["automated"]
    assert list(Consent.objects.values_list("key", flat=True)) == ["automated"]
