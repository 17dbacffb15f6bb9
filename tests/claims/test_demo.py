"""The demo step seeds claims in various states and is idempotent."""

import io

import pytest

from carecircle.claims.demo import seed
from carecircle.claims.models import Claim, ClaimPayment, PaymentBatch
from carecircle.core.roles import Role
from tests.factories import UserFactory
from tests.factories.claims import policy_with_cover, shop

pytestmark = pytest.mark.django_db


def test_the_demo_seeds_claims_in_various_states_once(today):
    import datetime as dt

    for name, role in (
        ("claims", Role.CLAIMS_HANDLER),
        ("approver", Role.CLAIMS_APPROVER),
        ("manager", Role.MANAGER),
    ):
        UserFactory(username=name, role=role)
    for _ in range(7):
        policy_with_cover(effective_date=dt.date(2025, 9, 1), expiry_date=dt.date(2026, 9, 1))
    shop()
    out = io.StringIO()
    seed(out)
    statuses = sorted(Claim.objects.values_list("status", flat=True))
    assert statuses == [
        "adjusted", "approved", "paid", "registered", "registered", "rejected", "reported",
    ]  # fmt: skip
    assert "7 claims" in out.getvalue()
    # The bank (#16): one batch; the insured's payment confirmed (paid), the third party's
    # returned with the bank's reason, for the handler to reissue.
    assert "1 confirmed, 1 returned to reissue" in out.getvalue()
    paid = Claim.objects.get(status="paid")
    assert paid.amount_paid == paid.amount_approved
    returned = ClaimPayment.objects.get(status="returned")
    assert (returned.payee, returned.return_code) == ("third_party", "R03")
    assert PaymentBatch.objects.get().count == 2
    # the clocks are evaluated by the demo itself: the nightly run then changes nothing
    assert "clocks of 7 open claims evaluated" in out.getvalue()
    from carecircle.claims.services.clocks import reevaluate_open_claims

    assert reevaluate_open_claims().changed == 0
    seed(out)
    assert Claim.objects.count() == 7 and "already seeded" in out.getvalue()
