"""Under concurrency (PostgreSQL): one message per dedupe key, one answer per survey, and the
daily cap holds when many messages are asked for at once."""

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from carecircle.core import clock
from carecircle.core.errors import DomainError
from carecircle.notify import services
from carecircle.notify.models import Message
from carecircle.touchpoints.services import surveys
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db(transaction=True)
MORNING = dt.datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks and concurrent inserts are tested on PostgreSQL")


def _race(n, work):
    barrier = threading.Barrier(n)
    results, errors = [], []

    def run(i):
        try:
            barrier.wait()
            results.append(work(i))
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors


def test_eight_senders_with_one_dedupe_key_make_one_message():
    customer = CustomerFactory()
    with clock.frozen_at(MORNING):
        results, errors = _race(
            8,
            lambda i: (
                services.send(
                    customer, "generic", context={"subject": "s", "body": "b"}, dedupe_key="same"
                ).pk
            ),
        )
    assert errors == []
    assert len(set(results)) == 1
    assert Message.objects.count() == 1


def test_the_daily_cap_holds_when_eight_messages_are_asked_for_at_once():
    customer = CustomerFactory()
    with clock.frozen_at(MORNING):
        results, errors = _race(
            8,
            lambda i: (
                services.send(customer, "generic", context={"subject": "s", "body": str(i)}).status
            ),
        )
    assert errors == []
    assert sorted(results) == ["blocked"] * 5 + ["sent"] * 3


def test_a_survey_answered_twice_at_the_same_moment_keeps_one_answer():
    customer = CustomerFactory(marketing_consent=True)
    with clock.frozen_at(MORNING):
        survey = surveys.send_survey(customer, "renewal", dedupe_key="race")
        results, errors = _race(6, lambda i: surveys.answer(survey, csat=1 + i % 5).csat)
    assert len(results) == 1
    assert len(errors) == 5 and all(isinstance(e, DomainError) for e in errors)
    assert {e.code for e in errors} == {"already_answered"}
