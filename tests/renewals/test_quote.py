"""The renewal quote: the worked example in docs/renewals.md, the regulatory band and the
tier's range, the NCD from the corrected rule with its reason, 交强险 from the one region table
and the accidents' liability and deaths, 交强险 alone, and 车船税 apart from premium."""

import datetime as dt
from decimal import Decimal

import pytest

from carecircle.claims.models import Claim
from carecircle.core.errors import DomainError
from carecircle.parties.models import Vehicle
from carecircle.renewals.conf import renewal_settings
from carecircle.renewals.models import RenewalTask
from carecircle.renewals.quote import compute
from carecircle.renewals.services import workspace
from carecircle.renewals.services.pipeline import run_pipeline
from tests.factories.policies import PolicyFactory

from .conftest import expiring, make_seat

pytestmark = pytest.mark.django_db


@pytest.fixture
def task(today, current_values):
    make_seat("s1")
    lead = expiring(35, premium="3000.00")
    current_values(lead.customer, tier="gold", p="0.7", ltv="5000.00", premium="3855.00")
    Vehicle.objects.filter(pk=lead.vehicle_id).update(displacement=Decimal("1.50"), energy="petrol")
    run_pipeline()
    return RenewalTask.objects.select_related(
        "policy__vehicle", "companion__vehicle", "customer"
    ).get()


def compulsory_claim(task, no, *, share=None, deaths=0, status="paid"):
    return Claim.objects.create(
        claim_no=no,
        policy=task.companion,
        vehicle=task.policy.vehicle,
        coverage="compulsory",
        accident_at="2026-01-10T10:00+08:00",
        reported_at="2026-01-10T11:00+08:00",
        amount_paid=Decimal("2000"),
        status=status,
        liability_share=share,
        deaths=deaths,
        injury=deaths > 0,
    )


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
    # 车船税 apart from premium: 1.5 L in Zhejiang's (the default) schedule, a full year.
    assert (q.vehicle_tax, q.grand_total, q.region_group, q.compulsory_base) == (
        Decimal("360.00"),
        Decimal("3615.00"),
        "E",
        Decimal("950"),
    )
    assert "−1" in q.ncd_reason or "-1" in q.ncd_reason


def test_a_claim_last_year_leaves_level_0_and_an_at_fault_compulsory_claim_removes_the_discount(
    task,
):
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
    compulsory_claim(task, "CL2", share=Decimal("1.000"))
    q = compute(task, Decimal("0.9"), renewal_settings())
    # DOMAIN.md: [1] → 1 claim − 1 insured year = level 0 (it used to be +1, 1.2).
    assert (q.ncd_level, q.ncd_coefficient, q.commercial_premium) == (
        0,
        Decimal("1.000"),
        Decimal("2700.00"),
    )
    assert (q.compulsory_adjustment, q.compulsory_premium) == (Decimal("0"), Decimal("950.00"))


def test_a_not_at_fault_compulsory_claim_keeps_the_discount(task):
    compulsory_claim(task, "CL2", share=Decimal("0"))
    q = compute(task, None, renewal_settings())
    assert (q.compulsory_adjustment, q.compulsory_premium) == (Decimal("-0.10"), Decimal("855.00"))


def test_a_compulsory_claim_with_no_recorded_liability_counts_as_at_fault(task):
    compulsory_claim(task, "CL2", share=None)
    assert compute(task, None, renewal_settings()).compulsory_adjustment == Decimal("0")


def test_an_at_fault_accident_with_a_death_raises_the_compulsory_rate_by_30_percent(task):
    compulsory_claim(task, "CL2", share=Decimal("0.700"), deaths=1)
    q = compute(task, None, renewal_settings())
    assert (q.compulsory_adjustment, q.compulsory_premium) == (Decimal("0.30"), Decimal("1235.00"))


def test_a_withdrawn_compulsory_claim_does_not_count(task):
    compulsory_claim(task, "CL2", share=Decimal("1"), deaths=1, status="withdrawn")
    assert compute(task, None, renewal_settings()).compulsory_adjustment == Decimal("-0.10")


def test_a_beijing_family_car_with_three_clean_years_pays_617_50(task):
    customer = task.customer
    customer.province, customer.city = "北京市", "北京市"
    customer.save(update_fields=["province", "city"])
    for back in (1, 2):
        PolicyFactory(
            vehicle=task.policy.vehicle,
            customer=customer,
            kind="compulsory",
            effective_date=task.companion.effective_date.replace(year=2025 - back),
            expiry_date=task.companion.effective_date.replace(year=2026 - back),
            premium=Decimal("800.00"),
            ncd_level=None,
            ncd_coefficient=None,
            pricing_coefficient=None,
        )
    q = compute(task, None, renewal_settings())
    assert (q.region_group, q.compulsory_adjustment, q.compulsory_premium) == (
        "D",
        Decimal("-0.35"),
        Decimal("617.50"),
    )
    # Beijing's own 车船税 schedule: 1.5 L → ¥420.
    assert q.vehicle_tax == Decimal("420.00")


def test_compulsory_alone_is_quoted_without_commercial_or_a_pricing_check(task):
    # A coefficient outside the tier's range would refuse the commercial part; 交强险 alone
    # takes no pricing choice and is never refused.
    q = compute(task, Decimal("1.6"), renewal_settings(), include_commercial=False)
    assert (q.include_commercial, q.commercial_premium, q.compulsory_premium, q.total) == (
        False,
        Decimal("0.00"),
        Decimal("855.00"),
        Decimal("855.00"),
    )
    assert (q.last_year_total, q.vehicle_tax, q.grand_total) == (
        Decimal("855.00"),
        Decimal("360.00"),
        Decimal("1215.00"),
    )


def test_a_task_led_by_a_compulsory_policy_is_quoted_alone(today, current_values):
    make_seat("s1")
    lead = expiring(
        35,
        premium="855.00",
        kind="compulsory",
        compulsory=False,
        ncd_level=None,
        ncd_coefficient=None,
        pricing_coefficient=None,
    )
    current_values(lead.customer, tier="standard", p="0.2", ltv="-100.00", premium="855.00")
    run_pipeline()
    task = RenewalTask.objects.get()
    q = compute(task, None, renewal_settings())
    assert (q.include_commercial, q.compulsory_premium, q.total) == (
        False,
        Decimal("855.00"),
        Decimal("855.00"),
    )
    # No engine size recorded: the quote stands, the tax is left open with the reason.
    assert q.vehicle_tax is None and "排量" in q.vehicle_tax_note


def reloaded(task, **vehicle):
    Vehicle.objects.filter(pk=task.policy.vehicle_id).update(**vehicle)
    return RenewalTask.objects.select_related(
        "policy__vehicle", "companion__vehicle", "customer"
    ).get(pk=task.pk)


def test_a_battery_electric_car_pays_no_vehicle_tax(task):
    task = reloaded(task, energy="battery_electric", displacement=None)
    q = compute(task, None, renewal_settings())
    assert (q.vehicle_tax, q.grand_total) == (Decimal("0.00"), q.total)


def test_a_car_registered_in_the_tax_year_pays_from_its_month_of_registration(task):
    task = reloaded(task, first_registration=dt.date(2026, 4, 2))  # 9 months of 2026 due
    assert compute(task, None, renewal_settings()).vehicle_tax == Decimal("270.00")


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


def test_the_quote_reads_the_vehicles_policies_and_claims_once(task, django_assert_num_queries):
    """The NCD and 交强险's A come from one read of the vehicle (its policies, then their
    counted claims): two queries per quote, whatever the history holds, and one for the
    customer's list effect (#16) (speed is a feature: the seat's task page computes a quote on
    every open)."""
    compulsory_claim(task, "CQ1", share=Decimal("1"))
    conf = renewal_settings()
    with django_assert_num_queries(3):
        q = compute(task, None, conf)
    assert q.compulsory_adjustment == Decimal("0")  # the at-fault claim was read
