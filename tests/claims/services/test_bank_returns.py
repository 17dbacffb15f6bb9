"""Hypothesis over the bank's return files (ADR 0016): whatever the bank says, in whatever
order, however often a file is imported again, Σ paid = confirmed − returned after
confirmation (reissues confirmed count in "confirmed"), the claim's ``amount_paid`` is that
figure, it never exceeds what was agreed (paid once), and a file imported twice changes
nothing."""

from decimal import Decimal as D

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carecircle.claims import services
from carecircle.claims.choices import ClaimStatus
from carecircle.claims.models import Claim, ClaimPayment, ClaimTransition
from carecircle.claims.services import bank
from carecircle.claims.services import payment as payments
from tests.claims.bank_support import insured_account, return_file
from tests.claims.services.test_workflow import approved_claim
from tests.factories.claims import staff

pytestmark = pytest.mark.django_db

# What the bank says about the newest payment of the chain; "again" re-imports an earlier file;
# "reissue" pays a returned payment again (to a new account) and sends it.
EVENTS = st.lists(
    st.sampled_from(["confirm", "return", "again", "reissue", "confirm_twice"]),
    min_size=1,
    max_size=8,
)


def sums(claim):
    rows = ClaimPayment.objects.filter(claim=claim)
    confirmed = rows.filter(confirmed_at__isnull=False).aggregate(s=Sum("amount"))["s"] or D(0)
    returned = rows.filter(confirmed_at__isnull=False, returned_at__isnull=False).aggregate(
        s=Sum("amount")
    )["s"] or D(0)
    reissued = rows.filter(
        reissue_of__isnull=False, confirmed_at__isnull=False, returned_at__isnull=True
    ).aggregate(s=Sum("amount"))["s"] or D(0)
    return confirmed, returned, reissued


def state(claim):
    return (
        list(ClaimPayment.objects.filter(claim=claim).order_by("pk").values_list("status", "pk")),
        Claim.objects.filter(pk=claim.pk).values_list("status", "amount_paid").get(),
        ClaimTransition.objects.filter(claim=claim).count(),
    )


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(events=EVENTS)
def test_any_sequence_of_return_lines_pays_the_claim_at_most_once(today, events):
    people = staff_once()
    handler = people["handler"]
    claim = approved_claim(people)
    agreed = claim.amount_approved
    account = insured_account(claim, handler, number=f"62220212020{claim.pk:08d}")
    chain = [services.pay(claim, acting_user=handler, account=account)]
    bank.export_batch(acting_user=handler)
    files: list[bytes] = []
    for n, event in enumerate(events):
        head = ClaimPayment.objects.get(pk=chain[-1].pk)
        if event in ("confirm", "return", "confirm_twice"):
            if head.status not in ("sent", "confirmed"):
                continue
            status, code = ("S", "") if event != "return" else ("F", "R01")
            # blank lines make each file new to the hash: each line's own idempotency is tested
            content = return_file((head, status, code, "账户异常" if code else "")) + b"\r\n" * n
            files.append(content)
            bank.import_returns(content, file_name=f"f{n}.csv", acting_user=handler)
            if event == "confirm_twice":  # the same line again, in another file
                bank.import_returns(content + b"\r\n", file_name=f"g{n}.csv", acting_user=handler)
        elif event == "again" and files:
            before = state(claim)
            result = bank.import_returns(files[-1], file_name="again.csv", acting_user=handler)
            assert result.already and state(claim) == before
        elif event == "reissue" and head.status == "returned":
            fresh = insured_account(claim, handler, number=f"6222{claim.pk:06d}{n:09d}")
            chain.append(payments.reissue(head, account=fresh, acting_user=handler))
            bank.export_batch(acting_user=handler)
        claim.refresh_from_db()
        confirmed, returned, reissued = sums(claim)
        paid = confirmed - returned
        assert claim.amount_paid == paid
        assert paid in (D(0), agreed)  # paid once at most
        assert (claim.status == ClaimStatus.PAID) == (paid == agreed)
        # paid = the original confirmed (not returned) + the reissues confirmed (not returned)
        original = ClaimPayment.objects.get(pk=chain[0].pk)
        first_counts = original.confirmed_at is not None and original.returned_at is None
        assert paid == (agreed if first_counts else D(0)) + reissued
        assert ClaimTransition.objects.filter(claim=claim, action="pay").count() <= sum(
            1 for p in ClaimPayment.objects.filter(claim=claim) if p.confirmed_at
        )


_people: dict = {}


def staff_once():
    """Hypothesis runs the examples in one test transaction: the staff are made once."""
    from carecircle.core.models import User

    if not User.objects.filter(username="handler1").exists():
        _people.clear()
        _people.update(staff())
    return _people
