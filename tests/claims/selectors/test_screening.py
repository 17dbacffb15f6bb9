"""Review flags on renewed policies: "soon after inception" counts from the start of the
customer's continuous cover (the unbroken renewal chain), so a loyal customer's claim early in
a renewal keeps the fast track; a new policy, or a renewal after a gap, still raises the flag;
a renewal that raised the vehicle-damage limit raises "soon after a cover increase"."""

import datetime as dt
from decimal import Decimal

import pytest

from carecircle.claims import services
from carecircle.claims.models import ClaimFlag
from carecircle.claims.selectors import screening
from carecircle.policies.models import Coverage
from tests.factories.claims import at, policy_with_cover, staff

pytestmark = pytest.mark.django_db
D = dt.date


def renewal_of(before, start, *, vehicle_damage=None):
    policy = policy_with_cover(
        vehicle=before.vehicle,
        customer=before.customer,
        renews=before,
        effective_date=start,
        expiry_date=D(start.year + 1, start.month, start.day),
    )
    if vehicle_damage is not None:
        Coverage.objects.filter(policy=policy, code="vehicle_damage").update(limit=vehicle_damage)
    return policy


def screened(policy):
    """A small clear claim on 2026-03-01 reported by phone, then screened."""
    claim = services.report_claim(
        acting_user=staff()["handler"], policy=policy, accident_at=at(1, 15), channel="phone",
        customer_estimate="1800", liability_clear=True,
    )  # fmt: skip
    outcome = services.screen(claim.pk)
    flags = dict(ClaimFlag.objects.filter(claim=claim).values_list("code", "reason"))
    claim.refresh_from_db()
    return outcome, flags, claim


def test_a_claim_early_in_a_renewed_policy_is_not_soon_after_inception(today):
    first = policy_with_cover(effective_date=D(2024, 2, 15), expiry_date=D(2025, 2, 15))
    second = renewal_of(first, D(2025, 2, 15))
    third = renewal_of(second, D(2026, 2, 15))  # the accident is 14 days into this one
    assert screening.continuous_cover_since(third) == D(2024, 2, 15)
    outcome, flags, claim = screened(third)
    assert (outcome, flags) == ("fast_track", {})
    assert (claim.status, claim.fast_track) == ("registered", True)


def test_a_genuinely_new_policy_still_raises_soon_after_inception(today):
    new = policy_with_cover(effective_date=D(2026, 2, 15), expiry_date=D(2027, 2, 15))
    assert screening.continuous_cover_since(new) == D(2026, 2, 15)
    outcome, flags, claim = screened(new)
    assert outcome == "screened" and claim.fast_track is False
    assert flags == {
        "soon_after_inception": "起保后 14 天出险 / accident 14 days after the policy started"
    }


def test_a_renewal_after_a_gap_in_cover_counts_from_its_own_start(today):
    lapsed = policy_with_cover(effective_date=D(2024, 12, 1), expiry_date=D(2025, 12, 1))
    late = renewal_of(lapsed, D(2026, 2, 15))  # uninsured 2025-12-01 … 2026-02-14
    assert screening.continuous_cover_since(late) == D(2026, 2, 15)
    cancelled = policy_with_cover(
        effective_date=D(2025, 2, 15), expiry_date=D(2026, 2, 15), cancelled_on=D(2025, 9, 1)
    )
    after_cancel = renewal_of(cancelled, D(2026, 2, 15))
    assert screening.continuous_cover_since(after_cancel) == D(2026, 2, 15)
    outcome, flags, _ = screened(late)
    assert outcome == "screened" and set(flags) == {"soon_after_inception"}


def test_the_renewal_chain_walk_is_bounded(today):
    policy = policy_with_cover(effective_date=D(2013, 2, 15), expiry_date=D(2014, 2, 15))
    for year in range(2014, 2027):  # 13 renewals, 14 policies
        policy = renewal_of(policy, D(year, 2, 15))
    assert screening.continuous_cover_since(policy) == D(2016, 2, 15)  # 10 links back
    assert screening.continuous_cover_since(policy, max_links=2) == D(2024, 2, 15)


def test_a_claim_soon_after_a_cover_increase_raises_its_flag_and_leaves_the_fast_track(today):
    before = policy_with_cover(effective_date=D(2025, 2, 15), expiry_date=D(2026, 2, 15))
    raised = renewal_of(before, D(2026, 2, 15), vehicle_damage=Decimal("200000.00"))
    assert screening.cover_increased_on(raised) == D(2026, 2, 15)
    outcome, flags, claim = screened(raised)
    assert outcome == "screened" and (claim.status, claim.fast_track) == ("reported", False)
    assert flags == {
        "soon_after_cover_increase": "加保后 14 天出险 / accident soon after the cover was increased"
    }
    # The same renewal at the same limit is no increase.
    same = renewal_of(
        policy_with_cover(effective_date=D(2025, 2, 15), expiry_date=D(2026, 2, 15)),
        D(2026, 2, 15),
    )
    assert screening.cover_increased_on(same) is None
