"""The renewal quote: the worked example in docs/renewals.md, the regulatory band and the
tier's range."""

from decimal import Decimal

import pytest

from carecircle.claims.models import Claim
from carecircle.core.errors import DomainError
from carecircle.renewals.conf import renewal_settings
from carecircle.renewals.models import RenewalTask
from carecircle.renewals.quote import compute
from carecircle.renewals.services import workspace
from carecircle.renewals.services.pipeline import run_pipeline

from .conftest import expiring, make_seat

pytestmark = pytest.mark.django_db


@pytest.fixture
def task(today, current_values):
    make_seat("s1")
    lead = expiring(35, premium="3000.00")
    current_values(lead.customer, tier="gold", p="0.7", ltv="5000.00", premium="3855.00")
    run_pipeline()
    return RenewalTask.objects.select_related(
        "policy__vehicle", "companion__vehicle", "customer"
    ).get()


def test_worked_example_claim_free_year_gold_customer(task):
    q = compute(task, None, renewal_settings())
    # base 3000 / (1.0 × 1.0 × 1.0); one claim-free year: NCD level −1 → 0.8; last year's
    # coefficient 1.000 is inside gold's [0.65, 1.20]; compulsory 950 × (1 − 10 %) in group E.
    assert (q.base_premium, q.ncd_level, q.ncd_coefficient) == (
        Decimal("3000.00"),
        -1,
        Decimal("0.800"),
    )
    assert (q.commercial_premium, q.compulsory_adjustment, q.compulsory_premium) == (
        Decimal("2400.00"),
        Decimal("-0.10"),
        Decimal("855.00"),
    )
    assert (q.total, q.last_year_total, q.change, q.change_pct) == (
        Decimal("3255.00"),
        Decimal("3855.00"),
        Decimal("-600.00"),
        Decimal("-15.6"),
    )
    assert q.pricing_range == (Decimal("0.65"), Decimal("1.20"))


def test_a_claim_last_year_raises_the_ncd_level_and_the_compulsory_rate(task):
    Claim.objects.create(
        claim_no="CL1",
        policy=task.policy,
        vehicle=task.policy.vehicle,
        coverage="vehicle_damage",
        accident_at="2026-01-10T10:00+08:00",
        reported_at="2026-01-10T11:00+08:00",
        amount_paid=Decimal("4000"),
        status="paid",
    )
    Claim.objects.create(
        claim_no="CL2",
        policy=task.companion,
        vehicle=task.policy.vehicle,
        coverage="compulsory",
        accident_at="2026-01-10T10:00+08:00",
        reported_at="2026-01-10T11:00+08:00",
        amount_paid=Decimal("2000"),
        status="paid",
    )
    q = compute(task, Decimal("0.9"), renewal_settings())
    assert (q.ncd_level, q.ncd_coefficient, q.commercial_premium) == (
        1,
        Decimal("1.200"),
        Decimal("3240.00"),
    )
    assert (q.compulsory_adjustment, q.compulsory_premium) == (Decimal("0"), Decimal("950.00"))


def test_a_service_rider_use_never_counts_as_a_claim(task):
    Claim.objects.create(
        claim_no="CL3",
        policy=task.policy,
        vehicle=task.policy.vehicle,
        coverage="roadside_rescue",
        accident_at="2026-01-10T10:00+08:00",
        reported_at="2026-01-10T11:00+08:00",
        status="paid",
    )
    assert compute(task, None, renewal_settings()).ncd_level == -1


def test_a_coefficient_outside_the_regulatory_band_is_refused_with_the_band(task):
    with pytest.raises(DomainError) as info:
        workspace.make_quote(task, task.assignee, Decimal("1.6"))
    assert (
        info.value.code == "pricing_band"
        and "0.5" in info.value.message
        and "1.5" in info.value.message
    )


def test_a_coefficient_outside_the_tiers_range_is_refused_with_the_range(task):
    with pytest.raises(DomainError) as info:
        workspace.make_quote(task, task.assignee, Decimal("0.60"))
    assert info.value.code == "tier_range"
    assert "0.65" in info.value.message and "1.20" in info.value.message


def test_a_quote_is_stored_with_every_figure(task):
    quote = workspace.make_quote(task, task.assignee, Decimal("0.9"))
    assert (quote.commercial_premium, quote.compulsory_premium, quote.total) == (
        Decimal("2160.00"),
        Decimal("855.00"),
        Decimal("3015.00"),
    )
