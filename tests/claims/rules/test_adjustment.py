"""Adjustment arithmetic against the hand-worked examples in docs/claims.md."""

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carecircle.claims.rules.adjustment import CompulsoryLimits, Loss, adjust
from carecircle.core.errors import DomainError

AT_FAULT = CompulsoryLimits(D("180000"), D("18000"), D("2000"))
NOT_AT_FAULT = CompulsoryLimits(D("18000"), D("1800"), D("100"))
CAP = D("2000")


def run(**kw):
    kw.setdefault("vehicle_damage_limit", D("150000"))
    kw.setdefault("third_party_limit", D("1000000"))
    return adjust(Loss(**kw), AT_FAULT, NOT_AT_FAULT, CAP)


def payable(result):
    return [(ln.coverage, ln.head, ln.payable) for ln in result.lines]


def test_example_1_compulsory_first_then_liability_share_and_deductible():
    # own car 8,000; other car 6,000; 70% liability; deductible 500
    r = run(
        own_damage=D("8000"), other_vehicle_damage=D("6000"), liability_share=D("0.7"),
        multi_vehicle=True, deductible=D("500"),
    )  # fmt: skip
    assert payable(r) == [
        ("compulsory", "property", D("2000.00")),
        ("third_party", "excess", D("2800.00")),  # (6,000 − 2,000) × 0.7
        ("vehicle_damage", "own_damage", D("5100.00")),  # 8,000 × 0.7 − 500
    ]
    assert r.total == D("9900.00")


def test_example_2_mutual_collision_each_insurer_pays_its_own_car():
    r = run(
        own_damage=D("1500"), other_vehicle_damage=D("1800"), liability_share=D("0.5"),
        multi_vehicle=True, all_parties_at_fault=True,
    )  # fmt: skip
    assert r.mutual_collision is True
    assert payable(r) == [("compulsory", "own_damage", D("1500.00"))]


def test_mutual_collision_does_not_apply_above_2000_or_with_injury():
    over = run(
        own_damage=D("2000.01"), other_vehicle_damage=D("1800"), liability_share=D("0.5"),
        multi_vehicle=True, all_parties_at_fault=True,
    )  # fmt: skip
    assert over.mutual_collision is False
    hurt = run(
        own_damage=D("1500"), other_vehicle_damage=D("1800"), medical=D("300"),
        liability_share=D("0.5"), multi_vehicle=True, all_parties_at_fault=True,
    )  # fmt: skip
    assert hurt.mutual_collision is False


def test_example_3_injury_compulsory_medical_limit_then_third_party():
    r = run(medical=D("30000"), liability_share=D("1"), multi_vehicle=True)
    assert payable(r) == [
        ("compulsory", "medical", D("18000.00")),
        ("third_party", "excess", D("12000.00")),
    ]


def test_example_4_the_third_party_limit_caps_the_commercial_part():
    r = run(death_disability=D("500000"), third_party_limit=D("100000"), multi_vehicle=True)
    assert payable(r) == [
        ("compulsory", "death_disability", D("180000.00")),
        ("third_party", "excess", D("100000.00")),
    ]
    assert r.total == D("280000.00")


def test_example_5_not_at_fault_the_compulsory_pays_its_not_at_fault_limits_only():
    r = run(other_vehicle_damage=D("5000"), liability_share=D("0"), multi_vehicle=True)
    assert payable(r) == [
        ("compulsory", "property", D("100.00")),
        ("third_party", "excess", D("0.00")),
    ]


def test_a_single_vehicle_accident_pays_own_damage_less_deductible_up_to_the_limit():
    r = run(own_damage=D("3000"), deductible=D("300"))
    assert payable(r) == [("vehicle_damage", "own_damage", D("2700.00"))]
    capped = run(own_damage=D("200000"), vehicle_damage_limit=D("120000"))
    assert capped.total == D("120000.00")
    uncovered = run(own_damage=D("3000"), vehicle_damage_limit=None)
    assert uncovered.total == D("0.00")


def test_a_liability_share_outside_0_to_1_is_refused():
    with pytest.raises(DomainError) as e:
        run(own_damage=D("100"), liability_share=D("1.2"))
    assert e.value.code == "liability_share"


def test_a_two_car_accident_pays_compulsory_first_then_commercial_for_the_excess_and_own_car():
    # The other car ¥6,000, the own car ¥8,000, the insured 70 % at fault, deductible 0.
    r = run(
        own_damage=D("8000"), other_vehicle_damage=D("6000"), liability_share=D("0.7"),
        multi_vehicle=True,
    )  # fmt: skip
    assert [(ln.coverage, ln.head, ln.loss, ln.payable) for ln in r.lines] == [
        ("compulsory", "property", D("6000.00"), D("2000.00")),  # 交强险 property limit
        ("third_party", "excess", D("4000.00"), D("2800.00")),  # (6,000 − 2,000) × 0.7
        ("vehicle_damage", "own_damage", D("8000.00"), D("5600.00")),  # 8,000 × 0.7 − 0
    ]
    assert r.total == D("10400.00")


def test_an_own_car_only_claim_has_no_compulsory_part_and_goes_on_to_vehicle_damage():
    r = run(own_damage=D("3000"), liability_share=D("1"))
    assert payable(r) == [("vehicle_damage", "own_damage", D("3000.00"))]


def test_a_compulsory_policy_elsewhere_pays_nothing_here_and_third_party_pays_only_the_excess():
    r = run(
        other_vehicle_damage=D("6000"), liability_share=D("0.7"), multi_vehicle=True,
        compulsory_insured=False,
    )  # fmt: skip
    assert payable(r) == [
        ("compulsory", "property", D("0.00")),
        ("third_party", "excess", D("2800.00")),
    ]
    assert "not with us" in r.lines[0].note
    # 互碰自赔 is paid by one's own 交强险: not with us, the ordinary adjustment applies
    mutual = run(
        own_damage=D("1500"), other_vehicle_damage=D("1800"), liability_share=D("0.5"),
        multi_vehicle=True, all_parties_at_fault=True, compulsory_insured=False,
    )  # fmt: skip
    assert mutual.mutual_collision is False


def test_nothing_payable_says_why_from_the_lines():
    from carecircle.claims.rules.adjustment import nothing_payable_reason

    uncovered = run(own_damage=D("3000"), vehicle_damage_limit=None, third_party_limit=None)
    assert uncovered.total == D("0.00")
    assert nothing_payable_reason(uncovered) == (
        "vehicle_damage/own_damage 3000.00: 未投保车损险 / not covered"
    )
    assert "no loss entered" in nothing_payable_reason(run())


@given(
    own=st.decimals(0, 100000, places=2),
    other=st.decimals(0, 100000, places=2),
    share=st.decimals(0, 1, places=3),
)
def test_the_compulsory_part_never_exceeds_its_limit_and_the_total_is_the_lines_sum(
    own, other, share
):
    r = run(own_damage=own, other_vehicle_damage=other, liability_share=share, multi_vehicle=True)
    compulsory = sum((ln.payable for ln in r.lines if ln.coverage == "compulsory"), D("0"))
    assert compulsory <= D("2000")
    assert r.total == sum((ln.payable for ln in r.lines), D("0"))
    assert all(ln.payable <= ln.loss for ln in r.lines)
