"""Two people at once, on PostgreSQL with real threads: one approval, one payment."""

import threading
from decimal import Decimal as D

import pytest
from django.db import connection, connections

from carecircle.claims import services
from carecircle.claims.models import Claim, ClaimPayment, ClaimTransition
from carecircle.core.errors import DomainError
from tests.claims.services.test_workflow import approved_claim, report, walk_to_adjusted
from tests.factories import UserFactory
from tests.factories.claims import staff

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (DATABASE_URL)")


def together(fn, n=2):
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i):
        try:
            barrier.wait()
            results[i] = fn(i)
        except Exception as exc:
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_two_clicks_on_pay_at_the_same_moment_make_one_payment(today):
    people = staff()
    claim = approved_claim(people)
    results = together(
        lambda i: services.pay(claim, acting_user=people["handler"], idempotency_key=f"click-{i}"),
        n=4,
    )
    assert all(isinstance(r, ClaimPayment) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert ClaimPayment.objects.filter(claim=claim).count() == 1
    assert ClaimPayment.objects.get(claim=claim).amount == D("6000.00")
    # Instructed once; the claim is paid when the bank confirms (ADR 0016).
    assert Claim.objects.get(pk=claim.pk).amount_paid == D("0.00")


def test_two_approvers_at_once_approve_once_and_pay_once(today):
    people = staff()
    second = UserFactory(username="approver2", role="claims_approver")
    claim = walk_to_adjusted(report_policy(people), people["handler"], parts="3000")
    approvers = [people["approver"], second]

    def approve_and_pay(i):
        try:
            services.approve(claim, acting_user=approvers[i])
        except DomainError as exc:
            assert exc.code == "transition_not_allowed"
        return services.pay(claim, acting_user=approvers[i])

    results = together(approve_and_pay)
    assert all(isinstance(r, ClaimPayment) for r in results), results
    assert ClaimTransition.objects.filter(claim=claim, action="approve").count() == 1
    assert ClaimPayment.objects.filter(claim=claim).count() == 1


def report_policy(people):
    from tests.factories.claims import policy_with_cover

    return report(policy_with_cover(), people["handler"])
