"""``send_many`` applies exactly ``send``'s rules (consent, do-not-call, unsubscribe, caps, quiet
hours, dedupe, the log) with a number of queries that does not grow with the customers."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from carecircle.core import clock
from carecircle.notify import services
from carecircle.notify.models import Message, OutboxEntry
from carecircle.notify.services import Outgoing, send_many
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
SH = dt.timezone(dt.timedelta(hours=8))
TEN = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SH)
NIGHT = dt.datetime(2026, 3, 2, 22, 30, tzinfo=SH)


def _people():
    """One customer per rule, each expected to end differently."""
    ok = CustomerFactory(marketing_consent=True)
    no_consent = CustomerFactory(marketing_consent=False)
    do_not_call = CustomerFactory(marketing_consent=True, do_not_call_until=dt.date(2026, 9, 1))
    unsubscribed = CustomerFactory(marketing_consent=True)
    capped = CustomerFactory(marketing_consent=True)
    no_phone = CustomerFactory(marketing_consent=True)
    type(no_phone).objects.filter(pk=no_phone.pk).update(phone_encrypted="")
    no_phone.refresh_from_db()
    return ok, no_consent, do_not_call, unsubscribed, capped, no_phone


def _outcome(m: Message) -> str:
    return m.block_reason or m.status


@pytest.mark.parametrize("purpose", ["service", "marketing", "legal"])
def test_send_many_decides_every_customer_exactly_as_send_does(purpose):
    people = _people()
    ok, no_consent, dnc, unsubscribed, capped, no_phone = people
    with clock.frozen_at(TEN):
        # nobody opts out of legal notices; a service opt-out must not hold them
        services.unsubscribe(unsubscribed, purpose="service" if purpose == "legal" else purpose)
        for n in range(3):  # the daily cap (3) reached for one customer
            services.send(capped, "generic", context={"subject": "s", "body": str(n)})
        one_by_one = {
            c.pk: _outcome(
                services.send(
                    c,
                    "generic",
                    purpose=purpose,
                    context={"subject": "a", "body": "b"},
                    dedupe_key=f"single:{c.pk}",
                )
            )
            for c in people
        }
        tally = send_many(
            [Outgoing(c.pk, {"subject": "a", "body": "b"}, f"bulk:{c.pk}") for c in people],
            "generic",
            purpose=purpose,
        )
    bulk = {
        m.customer_id: _outcome(m) for m in Message.objects.filter(dedupe_key__startswith="bulk:")
    }
    # send() counts its own queued message towards the cap, so compare decisions for the
    # first message of the day: the capped customer is capped in both.
    assert bulk == one_by_one
    expected_service = {
        ok.pk: "sent",
        no_consent.pk: "sent",
        dnc.pk: "sent",
        unsubscribed.pk: "unsubscribed",
        capped.pk: "frequency_cap",
        no_phone.pk: "no_address",
    }
    expected = {
        "service": expected_service,
        "marketing": {
            **expected_service,
            no_consent.pk: "no_marketing_consent",
            dnc.pk: "do_not_call",
        },
        # the law's notice: no gate holds it; nowhere to send it → a letter for a person
        "legal": {**{c.pk: "sent" for c in people}, no_phone.pk: "letter"},
    }[purpose]
    # Outside a transaction send() returns the message sent; inside the test's transaction the
    # bulk rows stay queued until commit: compare the decision, not the delivery.
    assert {k: v.replace("queued", "sent") for k, v in bulk.items()} == expected
    assert sum(tally.values()) == 6


def test_send_many_is_idempotent_on_dedupe_keys_and_counts_its_own_messages_for_the_cap(
    django_capture_on_commit_callbacks,
):
    customer = CustomerFactory()
    items = [Outgoing(customer.pk, {"subject": "s", "body": str(n)}, f"k:{n}") for n in range(5)]
    with clock.frozen_at(TEN), django_capture_on_commit_callbacks(execute=True):
        first = send_many(items, "generic")
    assert first == {"queued": 3, "frequency_cap": 2}
    assert OutboxEntry.objects.count() == 3
    assert Message.objects.filter(status="sent").count() == 3
    assert {m.provider_ref for m in Message.objects.filter(status="sent")} == {
        f"sms-{e.pk}" for e in OutboxEntry.objects.all()
    }
    assert all(m.sent_at == TEN for m in Message.objects.filter(status="sent"))
    with clock.frozen_at(TEN):
        again = send_many(items, "generic")
    assert again == {"sent": 3, "frequency_cap": 2}  # the messages recorded the first time
    assert Message.objects.count() == 5


def test_send_many_defers_in_quiet_hours_like_send():
    customer = CustomerFactory()
    with clock.frozen_at(NIGHT):
        tally = send_many([Outgoing(customer.pk, {"subject": "s", "body": "b"})], "generic")
    message = Message.objects.get()
    assert tally == {"deferred": 1}
    assert message.not_before == dt.datetime(2026, 3, 3, 9, 0, tzinfo=SH)


def test_send_many_query_count_does_not_grow_with_the_customers(
    django_capture_on_commit_callbacks,
):
    def run(n: int, tag: str) -> int:
        people = [CustomerFactory() for _ in range(n)]
        items = [Outgoing(c.pk, {"subject": "s", "body": "b"}, f"{tag}:{c.pk}") for c in people]
        with (
            clock.frozen_at(TEN),
            CaptureQueriesContext(connection) as queries,
            django_capture_on_commit_callbacks(execute=True),
        ):
            tally = send_many(items, "generic")
        assert tally == {"queued": n}
        return len(queries)

    small, big = run(5, "a"), run(60, "b")
    # The same statements for 5 or 60 customers; SQLite's limit on bound parameters may split
    # a bulk insert in two, which is one more statement, not one per customer.
    assert small <= 18
    assert big - small <= 2
    assert Message.objects.filter(status="sent").count() == 65
