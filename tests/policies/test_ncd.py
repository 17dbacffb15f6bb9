"""The post-2020 NCD rule (policies/ncd.py): claims minus consecutive *insured* years. Every
worked case of DOMAIN.md "No-claim discount" is a row here; hypothesis proves the properties."""

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest
from django.test import override_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from carecircle.core.dates import add_months
from carecircle.core.errors import DomainError
from carecircle.policies import ncd
from carecircle.policies.ncd import InsuredYear

START = dt.date(2026, 3, 1)
TEN = ncd.NcdRules.from_settings()
BEIJING = ncd.NcdRules.from_settings(province="北京市")


def years(claims: list[int], *, start: dt.date = START, gap_months: int = 0) -> list[InsuredYear]:
    """Continuous one-year policies, newest first, the newest ending ``gap_months`` before
    ``start``."""
    expiry = add_months(start, -gap_months)
    out = []
    for count in claims:
        effective = expiry.replace(year=expiry.year - 1)
        out.append(InsuredYear(effective, expiry, count))
        expiry = effective
    return out


# (history newest first, gap before the new policy in months, transferred, level, NCD)
WORKED_CASES = [
    pytest.param([], 0, False, 0, "1.0", id="new car"),
    pytest.param([0], 0, False, -1, "0.8", id="[0]"),
    pytest.param([1], 0, False, 0, "1.0", id="[1]"),
    pytest.param([2], 0, False, 1, "1.2", id="[2]"),
    pytest.param([0, 0, 0], 0, False, -3, "0.6", id="[0,0,0]"),
    pytest.param([0, 0, 0, 0], 0, False, -4, "0.5", id="[0,0,0,0] four clean years"),
    pytest.param([0, 0, 0, 1], 0, False, -3, "0.6", id="[0,0,0,1] claim 4 years ago"),
    pytest.param([1, 0, 0, 0, 0], 0, False, -2, "0.7", id="[1,0,0,0,0] loyal, one claim"),
    pytest.param([0, 2, 3], 0, False, 2, "1.4", id="[0,2,3]"),
    pytest.param([3, 3, 3], 0, False, 5, "2.0", id="[3,3,3] capped"),
    pytest.param([2, 0, 0], 4, False, 0, "1.0", id="[2,0,0] 4-month gap"),
    pytest.param([3, 1, 0], 4, False, 1, "1.2", id="[3,1,0] 4-month gap"),
    pytest.param([0, 0, 0, 0], 7, False, 0, "1.0", id="[0,0,0,0] 7-month gap resets"),
    pytest.param([0, 0, 0, 0], 0, True, 0, "1.0", id="[0,0,0,0] sold (过户)"),
]


@pytest.mark.parametrize(("claims", "gap", "transferred", "level", "coefficient"), WORKED_CASES)
def test_domain_worked_cases(claims, gap, transferred, level, coefficient):
    history = years(claims, gap_months=gap)
    got = ncd.assess(history, START, transferred=transferred, rules=TEN)
    assert got.level == level
    assert got.coefficient == Decimal(coefficient)


@pytest.mark.parametrize(
    ("claims", "level", "coefficient"),
    [
        ([0, 0, 0, 0, 0], -5, "0.4"),
        ([0, 0, 0, 0], -4, "0.5"),
        ([0, 0, 0, 0, 1], -4, "0.5"),
        ([1, 0, 0, 0, 0], -2, "0.7"),
        ([3, 3, 3], 5, "2.0"),
    ],
)
def test_beijing_eleven_level_ladder_needs_five_clean_years_for_minus_five(
    claims, level, coefficient
):
    assert ncd.ncd_level(years(claims), START, rules=BEIJING) == level
    assert BEIJING.coefficient(level) == Decimal(coefficient)


def test_five_clean_years_stop_at_minus_four_on_the_ten_level_ladder():
    assert ncd.ncd_level(years([0] * 6), START, rules=TEN) == -4


@pytest.mark.parametrize(
    ("province", "city", "low"),
    [("北京市", "北京", -5), ("福建", "厦门", -5), ("福建", "福州", -4), ("", "", -4)],
)
def test_the_ladder_follows_the_region(province, city, low):
    assert ncd.level_range(province, city) == (low, 5)


def test_coefficient_by_region_and_level_off_the_ladder_refused():
    assert ncd.coefficient(-5, province="北京") == Decimal("0.400")
    assert ncd.coefficient(-4) == Decimal("0.500")
    with pytest.raises(DomainError) as exc:
        ncd.coefficient(-5, province="上海")
    assert exc.value.code == "ncd_level"


def test_ladders_are_settings():
    with override_settings(CARECIRCLE={"NCD_LADDERS_BY_REGION": {}}):
        assert ncd.level_range("北京") == (-4, 5)


def test_gap_just_under_three_months_keeps_the_run():
    history = years([0, 0, 0, 0])
    start = add_months(history[0].expiry, 3) - dt.timedelta(days=1)
    assert ncd.ncd_level(history, start, rules=TEN) == -4


def test_gap_of_exactly_six_months_keeps_a_malus_and_one_day_more_resets():
    history = years([3, 1, 0])
    six = add_months(history[0].expiry, 6)
    assert ncd.ncd_level(history, six, rules=TEN) == 1
    assert ncd.ncd_level(history, six + dt.timedelta(days=1), rules=TEN) == 0


def test_gap_months_are_settings():
    # Some sources stop the chain after any gap over 3 months.
    with override_settings(CARECIRCLE={"NCD_GAP_RESET_MONTHS": 3}):
        assert ncd.ncd_level(years([3, 1, 0], gap_months=4), START) == 0


def test_a_gap_between_past_years_ends_the_run():
    recent = years([0, 0])
    older = years([2, 2], start=add_months(recent[-1].effective, -4))
    assert ncd.ncd_level([*recent, *older], START, rules=TEN) == -2


def test_a_prior_short_term_policy_starts_the_chain_again():
    short = InsuredYear(dt.date(2025, 9, 1), START, 0)
    assert ncd.ncd_level([short, *years([0, 0, 0], start=short.effective)], START) == 0
    flagged = InsuredYear(dt.date(2025, 3, 1), START, 0, short_term=True)
    assert ncd.ncd_level([flagged], START) == 0


def test_short_term_policy_deeper_in_the_history_ends_the_run_there():
    recent = years([0, 0])
    short = InsuredYear(dt.date(2023, 9, 1), recent[-1].effective, 0)
    older = years([0, 0], start=short.effective)
    assert ncd.ncd_level([*recent, short, *older], START, rules=TEN) == -2


def test_policies_starting_on_or_after_the_quoted_start_are_not_history():
    history = [InsuredYear(START, START.replace(year=2027), 5), *years([0])]
    assert ncd.ncd_level(history, START, rules=TEN) == -1


def test_order_of_the_history_does_not_matter():
    history = years([1, 0, 0, 0, 0])
    assert ncd.ncd_level(history[::-1], START, rules=TEN) == -2


def test_negative_claim_counts_are_refused():
    with pytest.raises(DomainError) as exc:
        ncd.ncd_level(years([0, -1]), START)
    assert exc.value.code == "ncd_claims"
    with pytest.raises(DomainError):
        ncd.ncd_levels(np.array([[-1]]), np.array([[True]]))


@pytest.mark.parametrize(
    ("claims", "gap", "transferred", "text"),
    [
        (
            [1, 0, 0, 0, 0],
            0,
            False,
            "近3个保险年度出险1次，连续投保3年：等级−2，系数0.7 / 1 claim in the last 3 insured "
            "years, 3 consecutive insured years: level −2, NCD 0.7",
        ),
        (
            [0, 0, 0, 0],
            0,
            False,
            "连续4年投保未出险：等级−4，系数0.5 / 4 consecutive claim-free insured years: "
            "level −4, NCD 0.5",
        ),
        (
            [],
            0,
            False,
            "无往年投保记录（新车）：等级0，系数1.0 / no prior insured year (new car): "
            "level 0, NCD 1.0",
        ),
        (
            [0],
            0,
            True,
            "车辆过户，重新起算：等级0，系数1.0 / ownership transferred, the chain starts again: "
            "level 0, NCD 1.0",
        ),
        (
            [0],
            7,
            False,
            "脱保超过6个月，重新起算：等级0，系数1.0 / cover lapsed over 6 months, the chain "
            "starts again: level 0, NCD 1.0",
        ),
        (
            [2, 0, 0],
            4,
            False,
            "近3个保险年度出险2次，连续投保3年，脱保3–6个月不享受优待：等级0，系数1.0 / 2 claims "
            "in the last 3 insured years, 3 consecutive insured years, a 3–6 month lapse loses "
            "the discount: level 0, NCD 1.0",
        ),
    ],
)
def test_explain_gives_a_readable_bilingual_reason(claims, gap, transferred, text):
    got = ncd.assess(years(claims, gap_months=gap), START, transferred=transferred, rules=TEN)
    assert ncd.explain(got) == text


# Properties over random histories (claims per year newest first, a gap before the start).
claim_lists = st.lists(st.integers(min_value=0, max_value=6), max_size=8)
gaps = st.integers(min_value=0, max_value=12)
ladders = st.sampled_from([TEN, BEIJING])


@given(claim_lists, gaps, ladders)
def test_level_never_leaves_the_ladder(claims, gap, rules):
    level = ncd.ncd_level(years(claims, gap_months=gap), START, rules=rules)
    assert rules.min_level <= level <= rules.max_level
    assert level in rules.ladder


@given(claim_lists.filter(bool), st.data(), gaps, ladders)
def test_one_more_claim_never_lowers_the_level(claims, data, gap, rules):
    i = data.draw(st.integers(min_value=0, max_value=len(claims) - 1))
    worse = [c + (j == i) for j, c in enumerate(claims)]
    before = ncd.ncd_level(years(claims, gap_months=gap), START, rules=rules)
    after = ncd.ncd_level(years(worse, gap_months=gap), START, rules=rules)
    assert after >= before


@given(claim_lists, gaps, ladders)
def test_a_transfer_gives_level_zero(claims, gap, rules):
    assert ncd.ncd_level(years(claims, gap_months=gap), START, transferred=True, rules=rules) == 0


@given(claim_lists, st.integers(min_value=7, max_value=40), ladders)
def test_a_gap_over_six_months_gives_level_zero(claims, gap, rules):
    assert ncd.ncd_level(years(claims, gap_months=gap), START, rules=rules) == 0


@given(claim_lists, st.integers(min_value=3, max_value=6), ladders)
def test_a_three_to_six_month_gap_never_gives_a_discount(claims, gap, rules):
    assert ncd.ncd_level(years(claims, gap_months=gap), START, rules=rules) >= 0


def _grid_history(claims_row, insured_row, gap: int) -> tuple[list[InsuredYear], dt.date]:
    """The generator's layout (oldest first, one column a year) as dated insured years."""
    cols = len(claims_row)
    base = dt.date(2010, 1, 1)
    history = [
        InsuredYear(base.replace(year=2010 + c), base.replace(year=2011 + c), int(claims_row[c]))
        for c in range(cols)
        if insured_row[c]
    ]
    return history[::-1], add_months(base.replace(year=2010 + cols), gap)


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=1, max_value=7).flatmap(
        lambda cols: st.lists(
            st.tuples(
                st.lists(st.integers(0, 4), min_size=cols, max_size=cols),
                st.lists(st.booleans(), min_size=cols, max_size=cols),
                st.integers(0, 9),
                st.booleans(),
            ),
            min_size=1,
            max_size=6,
        )
    ),
    ladders,
)
def test_vectorised_levels_equal_the_scalar_rule(rows, rules):
    claims = np.array([r[0] for r in rows])
    insured = np.array([r[1] for r in rows])
    gap = np.array([r[2] for r in rows])
    transferred = np.array([r[3] for r in rows])
    got = ncd.ncd_levels(claims, insured, gap_months=gap, transferred=transferred, rules=rules)
    expected = []
    for c, i, g, t in rows:
        history, start = _grid_history(c, i, g)
        expected.append(ncd.ncd_level(history, start, transferred=t, rules=rules))
    assert got.tolist() == expected


# A book keeps a few years; the level recorded on the oldest proves the clean years before it.
@pytest.mark.parametrize(
    ("claims", "recorded_on_oldest", "level"),
    [
        pytest.param([0, 0, 0], -4, -4, id="3 held clean years on a -4 policy stay -4"),
        pytest.param([0], -4, -4, id="1 held year recorded -4 stays -4"),
        pytest.param([0, 0, 0], -3, -4, id="3 clean years on top of a proved 3 reach -4"),
        pytest.param([1, 0, 0], -4, -2, id="a claim last year still gives -2"),
        pytest.param([0, 0, 0], -2, -3, id="-2 proves nothing (it may be 1 claim - 3)"),
        pytest.param([0, 0], None, -2, id="no recorded level proves nothing"),
    ],
)
def test_the_oldest_years_recorded_level_proves_the_clean_years_before_it(
    claims, recorded_on_oldest, level
):
    held = years(claims)
    proved = ncd.clean_years_proved(recorded_on_oldest)
    held[-1] = InsuredYear(held[-1].effective, held[-1].expiry, claims[-1], clean_before=proved)
    assert ncd.ncd_level(held, START, rules=TEN) == level


def test_proved_clean_years_do_not_cross_a_break_in_the_held_history():
    # the run ends at a 4-month gap between two held years: the older year's record is
    # outside the run and proves nothing about it
    newer = years([0], start=START)
    older = years([0], start=add_months(newer[0].effective, -4))
    older = [InsuredYear(older[0].effective, older[0].expiry, 0, clean_before=4)]
    assert ncd.ncd_level(newer + older, START, rules=TEN) == -1
