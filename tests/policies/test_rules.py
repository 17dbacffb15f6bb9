"""Pricing rules (docs/domain.md), tested over all inputs with hypothesis."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carecircle.core.errors import DomainError
from carecircle.policies import conf, ncd, rules

LADDER = conf.get("NCD_LADDER")
BAND = conf.get("AUTONOMOUS_PRICING_BAND")
TEN = ncd.NcdRules.from_settings()
claims_history = st.lists(st.integers(min_value=0, max_value=8), max_size=10)

# The NCD moved to policies/ncd.py (tests/policies/test_ncd.py has DOMAIN.md's worked cases);
# these tests pinned the old "claims − claim-free years" values and are corrected to the rule
# "claims − consecutive insured years" (DOMAIN.md, corrected).


def test_no_prior_insurance_is_level_zero():
    assert ncd.level_from_counts([], rules=TEN) == 0


@pytest.mark.parametrize(
    ("history", "level"),
    [
        ([0], -1),
        ([0, 0], -2),
        ([0, 0, 0], -3),
        ([0, 0, 0, 0], -4),
        ([1], 0),  # was 1: one claim in one insured year is 1 − 1
        ([2], 1),  # was 2
        ([0, 1], -1),  # was 0: 1 claim − 2 insured years
        ([0, 0, 2], -1),  # was 0: 2 − 3
        ([0, 0, 0, 5], -3),  # claims older than 3 years no longer count
        ([3, 3], 4),  # was 5: 6 − 2
        ([1, 0, 0, 0, 0], -2),  # the loyal customer with one claim last year (was +1)
    ],
)
def test_level_is_claims_in_look_back_minus_insured_years(history, level):
    assert ncd.level_from_counts(history, rules=TEN) == level


@given(claims_history)
def test_level_always_on_the_ten_rung_ladder(history):
    assert -4 <= ncd.level_from_counts(history, rules=TEN) <= 5


@given(st.integers(min_value=0, max_value=30))
def test_level_minus_four_needs_four_claim_free_years(years):
    assert ncd.level_from_counts([0] * years, rules=TEN) == -min(years, 4)


@given(claims_history.filter(bool), st.integers(min_value=1, max_value=8))
def test_one_more_claim_last_year_never_lowers_the_level(history, extra):
    worse = [history[0] + extra, *history[1:]]
    assert ncd.level_from_counts(worse, rules=TEN) >= ncd.level_from_counts(history, rules=TEN)


@given(claims_history)
def test_a_claim_free_year_never_raises_the_level(history):
    assert ncd.level_from_counts([0, *history], rules=TEN) <= ncd.level_from_counts(
        history, rules=TEN
    )


def test_negative_claim_count_is_refused():
    with pytest.raises(DomainError) as exc:
        ncd.level_from_counts([-1])
    assert exc.value.code == "ncd_claims"


def _year(start_year: int, claims: int = 0, gap_days: int = 0) -> ncd.InsuredYear:
    start = dt.date(start_year, 1, 1) + dt.timedelta(days=gap_days)
    return ncd.InsuredYear(start, start.replace(year=start.year + 1), claims)


def test_gap_of_three_months_or_more_between_years_breaks_the_history():
    history = [_year(2025, gap_days=100), _year(2024), _year(2023)]
    assert ncd.ncd_level(history, history[0].expiry, rules=TEN) == -1


def test_gap_under_three_months_keeps_the_history():
    # was 90 days ("three months or less"): the run is unbroken only *under* 3 months, and
    # 1 January + 90 days is 1 April, exactly 3 months
    history = [_year(2025, gap_days=89), _year(2024), _year(2023)]
    assert ncd.ncd_level(history, history[0].expiry, rules=TEN) == -3


@given(st.integers(min_value=-4, max_value=5))
def test_coefficient_comes_from_the_configured_ladder(level):
    assert ncd.coefficient(level) == Decimal(LADDER[level]).quantize(Decimal("0.001"))


def test_published_ladder_ends():
    assert (ncd.coefficient(-4), ncd.coefficient(5)) == (Decimal("0.500"), Decimal("2.000"))


@given(st.integers().filter(lambda n: n not in LADDER))
def test_level_off_the_ladder_is_refused(level):
    with pytest.raises(DomainError) as exc:
        TEN.coefficient(level)
    assert exc.value.field == "ncd_level"


@given(st.decimals(min_value=Decimal("0.5"), max_value=Decimal("1.5"), places=3))
def test_coefficients_inside_band_pass(value):
    assert rules.check_pricing_coefficient(value, BAND) == value


@given(
    st.one_of(
        st.decimals(max_value=Decimal("0.499"), places=3, allow_nan=False),
        st.decimals(min_value=Decimal("1.501"), places=3, allow_nan=False),
    )
)
def test_coefficients_outside_band_are_refused(value):
    with pytest.raises(DomainError) as exc:
        rules.check_pricing_coefficient(value, BAND)
    assert (exc.value.code, exc.value.field) == ("pricing_band", "pricing_coefficient")


def test_compulsory_base_by_seats():
    assert (rules.compulsory_base(5), rules.compulsory_base(6)) == (Decimal("950"), Decimal("1100"))


@pytest.mark.parametrize(
    ("group", "years", "accidents", "fatal", "premium"),
    [
        ("A", 1, 0, False, Decimal("665.00")),
        ("A", 3, 0, False, Decimal("475.00")),
        ("E", 2, 0, False, Decimal("760.00")),
        ("E", 9, 0, False, Decimal("665.00")),
        ("C", 0, 0, False, Decimal("950.00")),
        ("C", 3, 1, False, Decimal("950.00")),
        ("C", 3, 2, False, Decimal("1045.00")),
        ("C", 3, 2, True, Decimal("1235.00")),
    ],
)
def test_compulsory_premium_is_base_times_one_plus_a(group, years, accidents, fatal, premium):
    a = rules.compulsory_adjustment(group, years, accidents, fatal)
    assert rules.compulsory_premium(Decimal("950"), a) == premium


@given(
    st.sampled_from("ABCDE"),
    st.integers(min_value=0, max_value=20),
    st.integers(min_value=0, max_value=5),
    st.booleans(),
)
def test_adjustment_stays_between_minus_half_and_plus_thirty_percent(
    group, years, accidents, fatal
):
    a = rules.compulsory_adjustment(group, years, accidents, fatal)
    assert Decimal("-0.50") <= a <= Decimal("0.30")
    if fatal:
        assert a == Decimal("0.30")  # only one A applies, the higher


@given(st.sampled_from("ABCDE"), st.integers(min_value=1, max_value=20))
def test_more_claim_free_years_never_cost_more(group, years):
    assert rules.compulsory_adjustment(group, years + 1, 0, False) <= rules.compulsory_adjustment(
        group, years, 0, False
    )


def test_unknown_region_group_is_refused():
    with pytest.raises(DomainError):
        rules.compulsory_adjustment("F", 1, 0, False)


@given(st.lists(st.decimals(min_value=0, max_value=100000, places=2), max_size=6))
def test_coverages_adding_up_to_premium_pass(parts):
    rules.check_coverage_total(sum(parts, Decimal("0")), parts)


@given(
    st.lists(st.decimals(min_value=0, max_value=100000, places=2), min_size=1, max_size=6),
    st.decimals(min_value=Decimal("0.01"), max_value=1000, places=2),
)
def test_coverages_not_adding_up_are_refused(parts, off):
    with pytest.raises(DomainError) as exc:
        rules.check_coverage_total(sum(parts, Decimal("0")) + off, parts)
    assert exc.value.field == "coverages"
