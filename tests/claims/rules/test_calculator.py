"""“Should I claim?”: the hand-worked example in docs/claims.md, to the cent."""

from decimal import Decimal as D

from carecircle.claims.rules.calculator import shop_price, should_i_claim

LADDER = {-4: "0.5", -3: "0.6", -2: "0.7", -1: "0.8", 0: "1.0", 1: "1.2", 2: "1.4", 3: "1.6", 4: "1.8", 5: "2.0"}  # fmt: skip


def test_the_docs_example_a_small_scrape_is_cheaper_at_the_partner_shop_than_claimed():
    price = shop_price(D("1200"), D("3"), D("150"), D("0.960"))
    assert price == D("1602.00")  # 1,200 × 0.96 + 3 h × ¥150
    v = should_i_claim(
        premium=D("3000.00"), ncd_coefficient=D("0.800"), history=[0], claims_this_year=0,
        ladder=LADDER, repair_list_price=D("2100.00"), repair_price=price, deductible=D("0"),
    )  # fmt: skip
    assert v.base_premium == D("3750.00")
    assert [(y.level, y.premium) for y in v.without_claim] == [
        (-2, D("2625.00")),
        (-3, D("2250.00")),
        (-4, D("1875.00")),
    ]
    assert [(y.level, y.premium) for y in v.with_claim] == [
        (1, D("4500.00")),
        (0, D("3750.00")),
        (-1, D("3000.00")),
    ]
    assert v.premium_increase == D("4500.00")
    assert v.cost_if_claimed == D("4500.00")
    assert v.recommend_claim is False
    assert v.saving == D("2898.00")


def test_a_large_repair_is_worth_claiming():
    v = should_i_claim(
        premium=D("3000.00"), ncd_coefficient=D("0.800"), history=[0], claims_this_year=0,
        ladder=LADDER, repair_list_price=D("30000"), repair_price=D("25000"), deductible=D("500"),
    )  # fmt: skip
    assert v.recommend_claim is True
    assert v.cost_if_claimed == D("5000.00")
    assert v.saving == D("20000.00")
