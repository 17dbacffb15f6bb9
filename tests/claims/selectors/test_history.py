"""The one claim-history builder (claims/selectors/history.py) on real rows: which claims count
for the NCD, which policies make an insured year, and that the history follows the owner."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import override_settings

from carecircle.claims.models import Claim
from carecircle.claims.selectors.history import (
    counted_claims,
    ncd_for,
    vehicle_history,
)
from carecircle.claims.selectors.network import claim_history
from carecircle.policies.ncd import InsuredYear
from tests.factories.claims import PlainClaimFactory
from tests.factories.core import SH
from tests.factories.parties import CustomerFactory, VehicleFactory
from tests.factories.policies import PolicyFactory

pytestmark = pytest.mark.django_db

START = dt.date(2026, 6, 1)


def chain(vehicle, claims_per_year, *, owner=None, end=START, kind="commercial"):
    """Continuous one-year policies on ``vehicle``, newest first, the newest ending at ``end``;
    ``claims_per_year[i]`` claims (on distinct days) in year i."""
    policies, expiry = [], end
    for count in claims_per_year:
        effective = expiry.replace(year=expiry.year - 1)
        policy = PolicyFactory(
            vehicle=vehicle,
            customer=owner or vehicle.owner,
            kind=kind,
            effective_date=effective,
            expiry_date=expiry,
        )
        for day in range(count):
            claim_on(policy, day)
        policies.append(policy)
        expiry = effective
    return policies


def claim_on(policy, day=0, **kwargs):
    when = dt.datetime.combine(
        policy.effective_date + dt.timedelta(days=10 + day), dt.time(9), tzinfo=SH
    )
    kwargs.setdefault("status", "paid")
    kwargs.setdefault("amount_paid", Decimal("800.00"))
    return PlainClaimFactory(policy=policy, accident_at=when, reported_at=when, **kwargs)


def test_the_loyal_customer_with_one_claim_last_year_is_level_minus_two_at_0_7():
    vehicle = VehicleFactory()
    chain(vehicle, [1, 0, 0, 0, 0])
    result = ncd_for(vehicle.pk, START, owner_id=vehicle.owner_id)
    assert (result.level, result.coefficient) == (-2, Decimal("0.700"))
    assert result.reason.startswith("近3个保险年度出险1次，连续投保3年：等级−2，系数0.7")


def test_years_come_newest_first_with_their_dates_and_counts():
    vehicle = VehicleFactory()
    chain(vehicle, [2, 0])
    history = vehicle_history(vehicle.pk, START, owner_id=vehicle.owner_id)
    assert history.years == [
        InsuredYear(dt.date(2025, 6, 1), dt.date(2026, 6, 1), 2),
        InsuredYear(dt.date(2024, 6, 1), dt.date(2025, 6, 1), 0),
    ]
    assert history.transferred is False


@pytest.mark.parametrize(
    ("status", "paid", "counts"),
    [
        ("paid", "800.00", True),
        ("closed", "800.00", True),
        ("followed_up", "800.00", True),
        ("withdrawn", "0.00", False),
        ("rejected", "0.00", False),
        ("closed", "0.00", False),  # closed with nothing paid
        ("reported", "0.00", True),  # still open at quote time (setting on)
        ("assessed", "0.00", True),
    ],
)
def test_claims_closed_without_payment_do_not_count_open_ones_do(status, paid, counts):
    vehicle = VehicleFactory()
    [policy] = chain(vehicle, [0])
    claim_on(policy, status=status, amount_paid=Decimal(paid))
    assert vehicle_history(vehicle.pk, START).years[0].claims == int(counts)


def test_open_claims_do_not_count_when_the_setting_is_off_unless_something_was_paid():
    vehicle = VehicleFactory()
    [policy] = chain(vehicle, [0])
    claim_on(policy, 0, status="registered", amount_paid=Decimal("0.00"))
    claim_on(policy, 1, status="registered", amount_paid=Decimal("500.00"))  # advance payment
    with override_settings(CARECIRCLE={"NCD_OPEN_CLAIMS_COUNT": False}):
        assert vehicle_history(vehicle.pk, START).years[0].claims == 1
        assert counted_claims(Claim.objects.filter(policy=policy)).count() == 1
    assert vehicle_history(vehicle.pk, START).years[0].claims == 2


def test_service_riders_are_not_claims():
    vehicle = VehicleFactory()
    [policy] = chain(vehicle, [0])
    claim_on(policy, 0, coverage="roadside_rescue")
    claim_on(policy, 1, coverage="safety_check")
    assert vehicle_history(vehicle.pk, START).years[0].claims == 0


def test_one_accident_is_one_claim():
    vehicle = VehicleFactory()
    [policy] = chain(vehicle, [0])
    claim_on(policy, 0, coverage="vehicle_damage")
    claim_on(policy, 0, coverage="third_party")  # same accident, second record
    claim_on(policy, 5)
    assert vehicle_history(vehicle.pk, START).years[0].claims == 2


def test_a_cancelled_policy_is_not_an_insured_year():
    vehicle = VehicleFactory()
    newest, *_ = chain(vehicle, [0, 0, 0, 0])
    newest.cancelled_on = dt.date(2025, 7, 1)
    newest.save()
    history = vehicle_history(vehicle.pk, START)
    assert [y.effective.year for y in history.years] == [2024, 2023, 2022]
    # the cancelled year leaves a 12-month gap before the new policy: the chain starts again
    assert ncd_for(vehicle.pk, START, owner_id=vehicle.owner_id).level == 0


def test_a_transfer_starts_a_new_chain():
    vehicle = VehicleFactory()
    chain(vehicle, [0, 0, 0, 0])
    buyer = CustomerFactory()
    history = vehicle_history(vehicle.pk, START, owner_id=buyer.pk)
    assert (history.transferred, history.years) == (True, [])
    result = ncd_for(vehicle.pk, START, owner_id=buyer.pk)
    assert (result.level, result.coefficient) == (0, Decimal("1.000"))
    assert "过户" in result.reason


def test_years_of_previous_owners_never_count():
    vehicle = VehicleFactory()
    buyer = CustomerFactory()
    chain(vehicle, [0, 0], owner=buyer)
    chain(vehicle, [3, 3], end=dt.date(2024, 6, 1))  # the seller's years before the sale
    history = vehicle_history(vehicle.pk, START, owner_id=buyer.pk)
    assert [y.claims for y in history.years] == [0, 0]
    assert ncd_for(vehicle.pk, START, owner_id=buyer.pk).level == -2


def test_policies_from_the_start_on_and_other_kinds_are_not_history():
    vehicle = VehicleFactory()
    chain(vehicle, [0])
    chain(vehicle, [3], end=dt.date(2027, 6, 1))  # the quoted year itself
    chain(vehicle, [2], kind="compulsory")
    assert [y.claims for y in vehicle_history(vehicle.pk, START).years] == [0]


def test_a_new_car_has_no_history_and_level_zero():
    vehicle = VehicleFactory()
    result = ncd_for(vehicle.pk, START, owner_id=vehicle.owner_id)
    assert (result.level, result.coefficient, result.history.years) == (0, Decimal("1.000"), [])


def test_beijing_customer_with_five_clean_years_reaches_minus_five():
    vehicle = VehicleFactory()
    chain(vehicle, [0, 0, 0, 0, 0])
    got = ncd_for(vehicle.pk, START, owner_id=vehicle.owner_id, province="北京", city="北京")
    assert (got.level, got.coefficient) == (-5, Decimal("0.400"))


def test_the_history_takes_two_queries(django_assert_num_queries):
    vehicle = VehicleFactory()
    chain(vehicle, [1, 0, 2])
    with django_assert_num_queries(2):
        ncd_for(vehicle.pk, START, owner_id=vehicle.owner_id)


def test_the_calculator_projects_on_the_run_the_current_policy_continues():
    vehicle = VehicleFactory()
    current, *_ = chain(vehicle, [0, 0, 0, 0, 0])
    claim_on(current, 0, coverage="vehicle_damage")
    claim_on(current, 0, coverage="third_party")  # the same accident
    assert claim_history(current) == ([0, 0, 0, 0], 1)


def test_after_a_four_month_lapse_the_calculator_has_no_past_run():
    vehicle = VehicleFactory()
    chain(vehicle, [0, 0], end=dt.date(2025, 2, 1))
    [current] = chain(vehicle, [0])
    assert claim_history(current) == ([], 0)


def test_a_loyal_customer_at_minus_four_who_stays_clean_keeps_minus_four():
    """The book holds three years; the oldest policy's recorded −4 proves four clean years
    before it, so a clean year does not move the customer up to 0.6 (a reviewer's case)."""
    vehicle = VehicleFactory()
    *_, oldest = chain(vehicle, [0, 0, 0])
    oldest.ncd_level = -4
    oldest.save(update_fields=["ncd_level"])
    result = ncd_for(vehicle.pk, START, owner_id=vehicle.owner_id)
    assert (result.level, result.coefficient) == (-4, Decimal("0.500"))
    current, *_ = chain(VehicleFactory(), [0])
    current.ncd_level = -4
    current.save(update_fields=["ncd_level"])
    assert claim_history(current) == ([0, 0, 0, 0], 0)
