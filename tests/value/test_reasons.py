"""Reason codes become plain bilingual sentences made from the row's own figures."""

from decimal import Decimal
from types import SimpleNamespace

from carecircle.value.models import CustomerValue
from carecircle.value.reasons import render, sentences, top_percent, whole_yuan


def row(reasons: str, **figures) -> CustomerValue:
    values = {
        "tenure_years": Decimal("8.0"),
        "loss_ratio_3y": Decimal("0.3512"),
        "loss_ratio_credible": Decimal("0.4100"),
        "lifetime_value": Decimal("12400.00"),
        "value_percentile": Decimal("0.1163"),
        "annual_margin": Decimal("820.00"),
        "claims_count_3y": 1,
        "rule_tier": "standard",
        "tier": "gold",
    }
    values.update(figures)
    return CustomerValue(reasons=reasons, **values)


def test_the_three_headline_reasons_use_the_rows_figures():
    assert sentences(row("tenure,loss_ratio,lifetime_value")) == [
        "客户8年 / 8 years with us",
        "三年赔付率35% / 3-year loss ratio 35%",
        "终身价值¥12,400,前12% / lifetime value ¥12,400, top 12%",
    ]


def test_fractional_tenure_and_one_year_read_naturally():
    assert sentences(row("tenure", tenure_years=Decimal("4.6"))) == [
        "客户4.6年 / 4.6 years with us"
    ]
    assert sentences(row("tenure", tenure_years=Decimal("1.0"))) == ["客户1年 / 1 year with us"]


def test_loss_making_states_the_negative_margin_through_format_yuan():
    assert sentences(row("loss_making", annual_margin=Decimal("-419.48"))) == [
        "年边际贡献为负(¥-419) / loses money: annual margin ¥-419"
    ]


def test_step_limited_names_the_tier_the_rules_wanted():
    (reason,) = render(row("step_limited", rule_tier="standard"))
    assert reason.zh == "等级每年最多调整一级(规则建议普通),待人工复核"
    assert (
        reason.en
        == "a tier moves at most one step a year (the rules say Standard); a person reviews"
    )


def test_list_proposals_cite_claims_and_the_credible_loss_ratio():
    (grey,) = sentences(row("list_grey", claims_count_3y=6, loss_ratio_credible=Decimal("1.6240")))
    assert grey == (
        "建议列入灰名单:三年6次赔案,信度赔付率162%,待人工审核 / proposed for the grey list:"
        " 6 claims in 3 years, credible loss ratio 162%; a person decides"
    )
    (black,) = render(row("list_black", claims_count_3y=9, loss_ratio_credible=Decimal("2.7")))
    assert black.en.startswith("proposed for the black list: 9 claims in 3 years")


def test_every_known_code_renders_a_bilingual_sentence():
    known = (
        "tenure,new_customer,loss_ratio,lifetime_value,loss_making,no_cover,person_approved,"
        "loyal_large_claim,step_limited,improving,list_grey,list_black"
    )
    reasons = render(row(known))
    assert [r.code for r in reasons] == known.split(",")
    assert all(r.zh and r.en and r.zh != r.code for r in reasons)


def test_an_unknown_code_renders_as_itself_and_nothing_breaks():
    assert sentences(row("tenure,brand_new_code")) == [
        "客户8年 / 8 years with us",
        "brand_new_code",
    ]


def test_a_missing_figure_falls_back_to_the_code_or_a_dash():
    assert sentences(row("loss_ratio", loss_ratio_3y=None)) == ["三年赔付率— / 3-year loss ratio —"]
    assert sentences(row("lifetime_value", lifetime_value=None)) == [
        "终身价值—,前12% / lifetime value —, top 12%"
    ]
    # An object without the figure at all (e.g. a partial row) shows the code.
    assert sentences(SimpleNamespace(reasons="lifetime_value,tenure")) == [
        "lifetime_value",
        "tenure",
    ]


def test_empty_reasons_render_nothing():
    assert render(row("")) == []
    assert render(row(" , ,")) == []


def test_top_percent_never_says_top_zero_and_whole_yuan_rounds_half_up():
    assert top_percent(Decimal("0.0003")) == 1
    assert top_percent(Decimal("0.1200")) == 12
    assert whole_yuan(Decimal("12399.50")) == "¥12,400"
