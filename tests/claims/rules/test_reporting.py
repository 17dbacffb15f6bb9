"""Reporting on a vehicle: the policies in force at the accident, the policy period's refusals
with their dates, the coverage from what was damaged, and late reports (Art 26) flagged, never
refused."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carecircle.claims import rules
from carecircle.claims.rules import reporting
from carecircle.claims.rules.reporting import Damage, PolicyTerm
from carecircle.core.errors import DomainError

D = dt.date
CI_2025 = PolicyTerm(1, "compulsory", D(2025, 6, 1), D(2026, 6, 1), policy_no="CI25")
CO_2025 = PolicyTerm(2, "commercial", D(2025, 6, 1), D(2026, 6, 1), policy_no="CO25")
CI_2024 = PolicyTerm(3, "compulsory", D(2024, 6, 1), D(2025, 6, 1), policy_no="CI24")


def test_an_accident_before_inception_is_refused_with_the_dates():
    with pytest.raises(DomainError) as e:
        rules.check_policy_covers(D(2025, 5, 31), D(2025, 6, 1), D(2026, 6, 1), None)
    assert e.value.code == "before_inception"
    assert "2025-05-31" in e.value.message and "2025-06-01" in e.value.message


def test_an_accident_on_the_expiry_day_or_after_cancellation_is_on_a_lapsed_policy():
    with pytest.raises(DomainError) as e:
        rules.check_policy_covers(D(2026, 6, 1), D(2025, 6, 1), D(2026, 6, 1), None)
    assert e.value.code == "policy_lapsed"
    assert "from 2025-06-01 to 2026-06-01" in e.value.message
    with pytest.raises(DomainError) as e:
        rules.check_policy_covers(D(2026, 2, 1), D(2025, 6, 1), D(2026, 6, 1), D(2026, 1, 15))
    assert "to 2026-01-15" in e.value.message


def test_the_commercial_policy_carries_the_claim_and_the_compulsory_one_is_linked():
    cover = reporting.policies_in_force(D(2026, 3, 1), [CI_2024, CI_2025, CO_2025])
    assert (cover.policy, cover.compulsory, cover.commercial) == (CO_2025, CI_2025, CO_2025)


def test_one_kind_alone_is_enough_to_register_the_report():
    only_ci = reporting.policies_in_force(D(2026, 3, 1), [CI_2025])
    assert (only_ci.policy, only_ci.compulsory, only_ci.commercial) == (CI_2025, CI_2025, None)
    only_co = reporting.policies_in_force(D(2026, 3, 1), [CO_2025])
    assert (only_co.policy, only_co.compulsory) == (CO_2025, None)


def test_the_policy_in_force_on_the_accident_day_is_chosen_not_todays():
    cover = reporting.policies_in_force(D(2025, 5, 31), [CI_2024, CI_2025, CO_2025])
    assert (cover.policy, cover.commercial) == (CI_2024, None)


def test_a_policy_cancelled_after_the_accident_still_covers_it():
    cancelled = PolicyTerm(4, "commercial", D(2025, 6, 1), D(2026, 6, 1), D(2026, 2, 1))
    assert reporting.policies_in_force(D(2026, 1, 31), [cancelled]).commercial == cancelled
    with pytest.raises(DomainError) as e:
        reporting.policies_in_force(D(2026, 2, 1), [cancelled])
    assert e.value.code == "policy_lapsed" and "to 2026-02-01" in e.value.message


def test_no_policy_in_force_names_the_nearest_policys_period():
    with pytest.raises(DomainError) as e:
        reporting.policies_in_force(D(2026, 7, 1), [CI_2024, CI_2025])
    assert e.value.code == "policy_lapsed"
    assert "CI25" in e.value.message and "from 2025-06-01 to 2026-06-01" in e.value.message
    with pytest.raises(DomainError) as e:
        reporting.policies_in_force(D(2024, 1, 1), [CI_2024, CI_2025])
    assert e.value.code == "before_inception" and "CI24" in e.value.message
    with pytest.raises(DomainError) as e:
        reporting.policies_in_force(D(2026, 3, 1), [])
    assert (e.value.code, e.value.field) == ("no_policy", "vehicle")


@pytest.mark.parametrize(
    ("days_after", "late"),
    [(0, False), (730, False), (731, True), (1000, True)],
)
def test_a_report_past_the_730_day_limitation_is_late_not_refused(days_after, late):
    accident = D(2024, 1, 10)
    assert reporting.is_late(accident, accident + dt.timedelta(days=days_after), 730) is late


def test_the_late_report_reason_explains_art_26_with_the_days():
    reason = reporting.late_report_reason(D(2024, 1, 10), D(2026, 1, 11), 730)
    assert "732" in reason and "2024-01-10" in reason and "第26条" in reason
    assert len(reason) <= 255  # a ClaimFlag reason


@pytest.mark.parametrize(
    ("damage", "compulsory", "commercial", "coverage"),
    [
        (Damage(own_car=True), True, True, "vehicle_damage"),  # own car, both policies
        (Damage(own_car=True, other_car=True), True, True, "vehicle_damage"),
        (Damage(own_car=False, other_car=True), True, True, "compulsory"),  # 交强险 pays first
        (Damage(own_car=False, other_property=True), False, True, "third_party"),
        (Damage(own_car=False, injured=2), True, False, "compulsory"),
        (Damage(own_car=True, other_car=True), True, False, "compulsory"),  # no 商业险
        (Damage(own_car=True), True, False, "vehicle_damage"),  # said, even if not covered
        (Damage(own_car=False, deaths=1), False, True, "third_party"),
    ],
)
def test_the_coverage_follows_what_was_damaged(damage, compulsory, commercial, coverage):
    assert (
        reporting.claim_coverage(damage, compulsory=compulsory, commercial=commercial) == coverage
    )


def test_an_accident_after_the_report_is_refused():
    with pytest.raises(DomainError) as e:
        reporting.check_accident_dates(D(2026, 3, 3), D(2026, 3, 2))
    assert e.value.code == "accident_in_future"


@given(
    start=st.dates(D(2020, 1, 1), D(2026, 1, 1)),
    length=st.integers(1, 400),
    offset=st.integers(-400, 800),
)
def test_a_policy_is_in_force_exactly_from_its_start_to_the_day_before_expiry(
    start, length, offset
):
    term = PolicyTerm(9, "commercial", start, start + dt.timedelta(days=length))
    day = start + dt.timedelta(days=offset)
    inside = 0 <= offset < length
    if inside:
        assert reporting.policies_in_force(day, [term]).policy == term
    else:
        with pytest.raises(DomainError):
            reporting.policies_in_force(day, [term])
