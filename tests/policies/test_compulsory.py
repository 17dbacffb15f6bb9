"""交强险 (docs/domain.md, DOMAIN.md "Compulsory insurance"): the one region table, the base by
use and seats, and the floating rate A from at-fault and fatal accidents. Worked cases are
parametrised; hypothesis proves the bounds and that an accident never lowers A."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carecircle.core.errors import DomainError
from carecircle.policies import compulsory as c
from carecircle.policies.compulsory import CompulsoryYear as Y

CLEAN = Y(0, 0)
ONE = Y(1, 0)
TWO = Y(2, 0)
FATAL = Y(1, 1)


@pytest.mark.parametrize(
    ("province", "city", "group"),
    [
        ("内蒙古自治区", "呼和浩特市", "A"),
        ("海南省", "海口市", "A"),
        ("青海省", "", "A"),
        ("西藏自治区", "", "A"),
        ("陕西省", "西安市", "B"),
        ("云南省", "", "B"),
        ("广西壮族自治区", "", "B"),
        ("甘肃省", "", "C"),
        ("吉林省", "", "C"),
        ("山西省", "", "C"),
        ("黑龙江省", "", "C"),
        ("新疆维吾尔自治区", "", "C"),
        ("北京市", "北京市", "D"),
        ("天津市", "", "D"),
        ("河北省", "石家庄市", "D"),
        ("宁夏回族自治区", "", "D"),
        ("上海市", "", "E"),
        ("江苏省", "苏州市", "E"),
        ("广东省", "深圳市", "E"),
        ("辽宁省", "大连市", "E"),
        ("", "", "E"),
    ],
)
def test_the_one_region_table_groups_provinces_as_domain_md_lists(province, city, group):
    assert c.region_group(province, city) == group


@pytest.mark.parametrize(
    ("use", "seats", "base"),
    [
        ("household", 5, "950"),
        ("household", 6, "1100"),
        ("household", 7, "1100"),
        ("non_operating", 5, "1000"),
        ("non_operating", 6, "1130"),
        ("non_operating", 9, "1130"),
        ("non_operating", 10, "1220"),
        ("non_operating", 19, "1220"),
        ("non_operating", 20, "1270"),
        ("non_operating", 45, "1270"),
        ("operating", 5, "1800"),
        ("operating", 7, "2360"),
        ("ride_hailing", 5, "1800"),  # 网约车 is taxi/rental (预约出租客运)
    ],
)
def test_the_base_premium_follows_use_and_seats(use, seats, base):
    assert c.base_premium(use, seats) == Decimal(base)


def test_the_base_table_is_a_setting(settings):
    settings.CARECIRCLE = {"COMPULSORY_BASE_PREMIUMS": {"household": [[6, "900"], [None, "1000"]]}}
    assert c.base_premium("household", 5) == Decimal("900")
    with pytest.raises(DomainError) as info:
        c.base_premium("operating", 5)
    assert info.value.code == "vehicle_use"


@pytest.mark.parametrize(
    ("group", "years", "rate"),
    [
        ("D", [], "0"),  # new car / no record
        ("E", [CLEAN], "-0.10"),
        ("E", [CLEAN, CLEAN], "-0.20"),
        ("E", [CLEAN, CLEAN, CLEAN, CLEAN], "-0.30"),
        ("A", [CLEAN], "-0.30"),
        ("A", [CLEAN, CLEAN, CLEAN], "-0.50"),
        ("B", [CLEAN, CLEAN], "-0.35"),
        ("C", [CLEAN, CLEAN, CLEAN], "-0.40"),
        ("D", [CLEAN, CLEAN, CLEAN], "-0.35"),
        ("D", [CLEAN, ONE, CLEAN], "-0.15"),  # one clean year since the accident
        ("D", [ONE, CLEAN, CLEAN], "0"),  # one at-fault accident last year
        ("D", [TWO, CLEAN, CLEAN], "0.10"),  # two or more
        ("D", [FATAL], "0.30"),  # a death
        ("A", [Y(3, 1)], "0.30"),  # only the highest applies
        ("E", [CLEAN, FATAL], "-0.10"),  # loadings look at last year only
    ],
)
def test_floating_rate_worked_cases(group, years, rate):
    assert c.floating_rate(group, years) == Decimal(rate)


def test_a_beijing_family_car_with_three_clean_years_pays_617_50():
    group = c.region_group("北京市", "北京市")
    rate = c.floating_rate(group, [CLEAN, CLEAN, CLEAN])
    assert (group, rate, c.premium(c.base_premium("household", 5), rate)) == (
        "D",
        Decimal("-0.35"),
        Decimal("617.50"),
    )


def test_an_inner_mongolia_family_car_is_group_a():
    rate = c.floating_rate(c.region_group("内蒙古自治区"), [CLEAN, CLEAN, CLEAN])
    assert c.premium(Decimal("950"), rate) == Decimal("475.00")


def test_a_fatal_count_above_the_at_fault_count_is_refused():
    with pytest.raises(DomainError):
        Y(0, 1)


years = st.lists(
    st.tuples(st.integers(0, 4), st.integers(0, 4)).map(lambda t: Y(t[0], min(t[0], t[1]))),
    max_size=6,
)
groups = st.sampled_from(c.GROUPS)


@given(groups, years)
def test_a_never_leaves_minus_50_to_plus_30(group, history):
    assert Decimal("-0.50") <= c.floating_rate(group, history) <= Decimal("0.30")


@given(groups, years, st.integers(0, 5), st.booleans())
def test_one_more_at_fault_accident_never_lowers_a(group, history, where, fatal):
    history = history or [CLEAN]
    i = min(where, len(history) - 1)
    year = history[i]
    worse = Y(year.at_fault + 1, year.fatal + (1 if fatal else 0))
    more = [*history[:i], worse, *history[i + 1 :]]
    assert c.floating_rate(group, more) >= c.floating_rate(group, history)


@given(years)
def test_a_discount_is_never_deeper_in_a_lower_group(history):
    rates = [c.floating_rate(g, history) for g in c.GROUPS]
    assert rates == sorted(rates)
