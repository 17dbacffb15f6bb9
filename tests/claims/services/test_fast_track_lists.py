"""Lists that act (#16): a grey- or black-listed customer's claim does not go the fast track;
the refusal names the list entry. With the flag gone the same claim goes fast track."""

import pytest

from carecircle.claims.selectors.screening import fast_track_refusals
from carecircle.parties.models import CustomerListFlag
from tests.factories import CustomerListFlagFactory
from tests.factories.claims import customer_user, policy_with_cover

from .test_fast_track import fast

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("kind", "zh"), [("grey", "灰名单"), ("black", "黑名单")])
def test_a_listed_customers_claim_does_not_go_fast_track(today, kind, zh):
    policy = policy_with_cover()
    CustomerListFlagFactory(customer=policy.customer, kind=kind, entry_id=777)
    claim = fast(policy, customer_user(policy))
    assert (claim.fast_track, claim.status) == (False, "reported")
    refusals = fast_track_refusals(claim)
    assert refusals == [
        "名单客户不走快赔 / a listed customer's claim does not go fast track — "
        f"{zh} #777 / {kind} list entry #777："
        "三年4次赔案，信度赔付率180% / 4 claims in 3 years, credible loss ratio 180%"
    ]


def test_without_the_list_effect_the_same_claim_goes_fast_track(today):
    policy = policy_with_cover()
    CustomerListFlagFactory(customer=policy.customer)
    CustomerListFlag.objects.all().delete()
    claim = fast(policy, customer_user(policy))
    assert claim.fast_track is True
