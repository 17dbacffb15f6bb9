"""Notify honours recorded consent: marketing goes only by a channel the customer agreed to
(parties.consent, per channel), never to a customer whose processing is restricted; service
and legal notices never need marketing consent."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given
from hypothesis import strategies as st

from carecircle.core import clock
from carecircle.notify import rules, services
from carecircle.notify.services import Outgoing, send_many
from carecircle.parties import consent
from carecircle.parties.models import Customer
from tests.factories import CustomerFactory
from tests.notify.helpers import SHANGHAI, send

pytestmark = pytest.mark.django_db


def _agree(customer, *channels):
    for channel in channels:
        consent.grant(customer, "marketing", channel=channel, source="import", acting_user=None)


def _restrict(customer):
    Customer.objects.filter(pk=customer.pk).update(restricted_at=clock.now())
    customer.refresh_from_db()


def test_marketing_goes_by_the_channel_the_customer_agreed_to_not_the_first_in_order(
    at_ten, django_capture_on_commit_callbacks
):
    customer = CustomerFactory()  # has a mobile number: SMS is first in the channel order
    services.set_address(customer, "wechat", "oWECHAT0001")
    _agree(customer, "wechat")
    message = send(customer, purpose="marketing", capture=django_capture_on_commit_callbacks)
    assert (message.channel, message.status, message.block_reason) == ("wechat", "sent", "")


def test_marketing_named_for_a_channel_without_consent_is_blocked(
    at_ten, django_capture_on_commit_callbacks
):
    customer = CustomerFactory()
    services.set_address(customer, "wechat", "oWECHAT0002")
    _agree(customer, "wechat")
    message = send(
        customer, purpose="marketing", channel="sms", capture=django_capture_on_commit_callbacks
    )
    assert (message.channel, message.status, message.block_reason) == (
        "sms",
        "blocked",
        "no_marketing_consent",
    )


def test_phone_marketing_consent_does_not_open_sms(at_ten, django_capture_on_commit_callbacks):
    customer = CustomerFactory()
    _agree(customer, "phone")
    message = send(customer, purpose="marketing", capture=django_capture_on_commit_callbacks)
    assert (message.channel, message.status, message.block_reason) == (
        "sms",
        "blocked",
        "no_marketing_consent",
    )


def test_a_restricted_customer_gets_no_marketing_whatever_they_agreed_to(
    at_ten, django_capture_on_commit_callbacks
):
    customer = CustomerFactory(marketing_consent=True)  # every channel granted
    _restrict(customer)
    message = send(customer, purpose="marketing", capture=django_capture_on_commit_callbacks)
    assert (message.status, message.block_reason) == ("blocked", "no_marketing_consent")


def test_service_and_legal_notices_go_to_a_restricted_customer_without_marketing_consent(
    at_ten, django_capture_on_commit_callbacks
):
    customer = CustomerFactory()
    _restrict(customer)
    service = send(customer, purpose="service", capture=django_capture_on_commit_callbacks)
    legal = send(customer, purpose="legal", capture=django_capture_on_commit_callbacks)
    assert [(m.status, m.block_reason) for m in (service, legal)] == [("sent", ""), ("sent", "")]


def test_withdrawing_sms_overnight_blocks_the_deferred_sms_at_flush(
    django_capture_on_commit_callbacks,
):
    customer = CustomerFactory()
    _agree(customer, "sms", "email")
    with clock.frozen_at(dt.datetime(2026, 3, 2, 6, 0, tzinfo=SHANGHAI)):
        message = send(customer, purpose="marketing", capture=django_capture_on_commit_callbacks)
    assert (message.channel, message.status) == ("sms", "deferred")
    consent.withdraw(customer, "marketing", channel="sms", source="import", acting_user=None)
    with clock.frozen_at(dt.datetime(2026, 3, 2, 9, 5, tzinfo=SHANGHAI)):
        assert services.flush_due() == {"sent": 0, "blocked": 1, "failed": 0}
    message.refresh_from_db()
    assert (message.status, message.block_reason) == ("blocked", "no_marketing_consent")


def test_send_many_reads_consent_for_a_batch_in_one_query_whatever_its_size(
    at_ten, django_capture_on_commit_callbacks
):
    def run(n: int, tag: str) -> tuple[int, dict[str, int]]:
        people = [CustomerFactory() for _ in range(n)]
        for person in people[::2]:
            _agree(person, "sms")
        _restrict(people[0])
        items = [Outgoing(p.pk, {"subject": "s", "body": "b"}, f"{tag}:{p.pk}") for p in people]
        with CaptureQueriesContext(connection) as queries:
            tally = send_many(items, "generic", purpose="marketing")
        consent_reads = [q for q in queries if "parties_consent" in q["sql"]]
        return len(consent_reads), dict(tally)

    small_reads, small = run(4, "a")
    large_reads, large = run(12, "b")
    assert small_reads == large_reads == 1
    assert small == {"no_marketing_consent": 3, "queued": 1}  # the first agreed, restricted
    assert large == {"no_marketing_consent": 7, "queued": 5}


@given(
    purpose=st.sampled_from(["service", "marketing", "legal"]),
    consent_on_channel=st.booleans(),
    restricted=st.booleans(),
)
def test_the_gate_blocks_marketing_without_channel_consent_or_when_restricted_only(
    purpose, consent_on_channel, restricted
):
    gate = rules.Gate(
        purpose=purpose,
        marketing_consent=consent_on_channel,
        do_not_call_until=None,
        unsubscribed=False,
        sent_today=0,
        marketing_this_week=0,
        daily_cap=3,
        weekly_marketing_cap=2,
        restricted=restricted,
    )
    reason = rules.block_reason(gate, dt.date(2026, 3, 2))
    blocked = purpose == "marketing" and (restricted or not consent_on_channel)
    assert reason == ("no_marketing_consent" if blocked else None)
