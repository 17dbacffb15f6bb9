"""“Should I claim?”: DOMAIN.md's example (also worked by hand in docs/claims.md), to the cent,
under the corrected NCD rule (claims − consecutive insured years)."""

from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from carecircle.claims.rules.calculator import shop_price, should_i_claim
from carecircle.policies.ncd import NcdRules

LADDER = {-4: "0.5", -3: "0.6", -2: "0.7", -1: "0.8", 0: "1.0", 1: "1.2", 2: "1.4", 3: "1.6", 4: "1.8", 5: "2.0"}  # fmt: skip
RULES = NcdRules(ladder={k: D(v) for k, v in LADDER.items()})


def test_domain_example_four_clean_years_a_claim_costs_1800_more_over_three_years():
    # [0,0,0,0] at 0.5, base ¥3,000 × pricing 1.0 (premium ¥1,500).
    price = shop_price(D("1200"), D("3"), D("150"), D("0.960"))
    assert price == D("1602.00")  # 1,200 × 0.96 + 3 h × ¥150
    v = should_i_claim(
        premium=D("1500.00"), ncd_coefficient=D("0.500"), history=[0, 0, 0, 0], claims_this_year=0,
        rules=RULES, repair_list_price=D("2100.00"), repair_price=price, deductible=D("0"),
    )  # fmt: skip
    assert v.base_premium == D("3000.00")
    # No claim: the next three years stay at −4 → 1,500 × 3 = ¥4,500.
    assert [(y.level, y.premium) for y in v.without_claim] == [
        (-4, D("1500.00")),
        (-4, D("1500.00")),
        (-4, D("1500.00")),
    ]
    # One claim this year: [1,0,0,0] → −2, [0,1,0,0] → −2, [0,0,1,0] → −2 = ¥6,300.
    assert [(y.level, y.premium) for y in v.with_claim] == [
        (-2, D("2100.00")),
        (-2, D("2100.00")),
        (-2, D("2100.00")),
    ]
    assert v.premium_increase == D("1800.00")
    assert v.cost_if_claimed == D("1800.00")
    # A repair under ¥1,800 is cheaper out of pocket.
    assert v.recommend_claim is False
    assert v.saving == D("198.00")


def test_one_clean_year_a_claim_now_costs_the_malus_and_the_lost_discounts():
    # Was pinned at +¥4,500 under the old "claim-free years" rule: [1,0] is 1 − 2 = −1, not +1.
    v = should_i_claim(
        premium=D("3000.00"), ncd_coefficient=D("0.800"), history=[0], claims_this_year=0,
        rules=RULES, repair_list_price=D("2100.00"), repair_price=D("1602.00"),
    )  # fmt: skip
    assert [y.level for y in v.without_claim] == [-2, -3, -4]
    assert [y.level for y in v.with_claim] == [-1, -2, -2]  # [1,0], [0,1,0], [0,0,1,0]
    # base 3,750: 2,625 + 2,250 + 1,875 = 6,750 without, 3,000 + 2,625 + 2,625 = 8,250 with
    assert v.premium_increase == D("1500.00")
    # ¥1,500 more premium is less than the ¥1,602 repair: claiming is cheaper here.
    assert (v.recommend_claim, v.saving) == (True, D("102.00"))


def test_a_large_repair_is_worth_claiming():
    v = should_i_claim(
        premium=D("1500.00"), ncd_coefficient=D("0.500"), history=[0, 0, 0, 0], claims_this_year=0,
        rules=RULES, repair_list_price=D("30000"), repair_price=D("25000"), deductible=D("500"),
    )  # fmt: skip
    assert v.recommend_claim is True
    assert v.cost_if_claimed == D("2300.00")  # ¥1,800 more premium + ¥500 deductible
    assert v.saving == D("22700.00")


@settings(deadline=None)  # cheap, but a slow first example in a long run is no failure
@given(
    st.lists(st.integers(0, 4), max_size=6),
    st.integers(0, 3),
    st.sampled_from(["0.5", "0.8", "1.0", "1.2"]),
)
def test_a_claim_never_lowers_the_next_three_premiums(history, now, coefficient):
    v = should_i_claim(
        premium=D("2000.00"), ncd_coefficient=D(coefficient), history=history,
        claims_this_year=now, rules=RULES, repair_list_price=D("0"), repair_price=D("0"),
    )  # fmt: skip
    assert all(w.premium >= n.premium for w, n in zip(v.with_claim, v.without_claim, strict=True))
    assert v.premium_increase >= 0
