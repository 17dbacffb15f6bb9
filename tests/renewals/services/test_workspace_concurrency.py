"""Races on PostgreSQL with real threads: two "accepted" posts on one renewal make one
proposal; one payment notification delivered twice at once issues once; concurrent dials cannot
pass the daily attempt cap."""

import threading

import pytest
from django.db import connection

from carecircle.core import clock
from carecircle.core.errors import DomainError
from carecircle.policies.models import Policy, Proposal
from carecircle.policies.payments.services import receive, start_payment
from carecircle.policies.payments.simulator import SimulatorGateway
from carecircle.renewals.models import Contact, RenewalTask
from carecircle.renewals.services import workspace
from carecircle.renewals.services.pipeline import run_pipeline
from tests.renewals.conftest import AS_OF, at, expiring, make_seat

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def race(n, fn):
    barrier = threading.Barrier(n)
    results = []

    def run(i):
        barrier.wait()
        try:
            results.append(("ok", fn(i)))
        except DomainError as error:
            results.append((error.code, None))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_two_acceptance_posts_at_once_make_one_proposal_and_two_notifications_issue_once(
    settings,
):
    settings.CARECIRCLE_CTI = "carecircle.renewals.cti.AlwaysConnects"
    with clock.frozen_at(at(AS_OF, 10)):
        seat = make_seat("seat1")
        expiring(35)
        run_pipeline()
        task = RenewalTask.objects.get()
        calls = [workspace.place_call(task, seat) for _ in range(2)]
        workspace.make_quote(task, seat)
        results = race(
            2,
            lambda i: workspace.record_outcome(
                task, seat, "accepted", idempotency_key=f"k{i}", contact=calls[i]
            ),
        )
        assert sorted(code for code, _ in results) == ["awaiting_payment", "ok"]
        assert Proposal.objects.count() == 1
        order = start_payment(Proposal.objects.get())
        body, headers = SimulatorGateway().notification(order.reference, order.amount)
        delivered = race(2, lambda i: receive("simulator", body, headers).outcome)
    assert sorted(outcome for _, outcome in delivered) == ["duplicate", "issued"]
    assert Policy.objects.filter(renews=task.policy).count() == 1
    assert Policy.objects.filter(renews=task.companion).count() == 1


def test_concurrent_dials_respect_the_daily_cap(settings):
    settings.CARECIRCLE_CTI = "carecircle.renewals.cti.NeverConnects"
    settings.CARECIRCLE = {**settings.CARECIRCLE, "RENEWALS": {"contact_cap": 99}}
    with clock.frozen_at(at(AS_OF, 10)):
        seat = make_seat("seat1")
        expiring(35)
        run_pipeline()
        task = RenewalTask.objects.get()
        results = race(6, lambda i: workspace.place_call(task, seat))
    assert sorted(code for code, _ in results).count("ok") == 3
    assert Contact.objects.count() == 3
