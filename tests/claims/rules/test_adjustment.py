"""Adjustment arithmetic against the hand-worked examples in docs/claims.md."""

from decimal import Decimal as D

import pytest

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
