"""value.public's words for the customer (PIPL Art 24): what was considered, never a figure."""

import datetime as dt
from decimal import Decimal

from carecircle.value import public
from tests.factories import CustomerValueFactory, TierHistoryFactory, UserFactory


def test_each_reason_is_said_once_in_plain_words_and_an_unknown_code_generally():
    said = public.plain_reasons("loss_ratio, list_grey,list_black,new_code_from_v9,tenure")
    assert [(r.code, r.zh) for r in said] == [
        ("loss_ratio", "我们看了您近三年的理赔情况"),
        ("list_grey", "您的理赔记录正由工作人员审核"),
        ("new_code_from_v9", "我们综合考虑了您的保单和理赔记录"),
    ]


def test_the_explanation_says_the_tier_since_when_who_decided_and_why(db):
    value = CustomerValueFactory(
        tier="platinum",
        reasons="tenure,lifetime_value,person_approved",
        tenure_years=Decimal("1.0"),
        lifetime_value=Decimal("88000"),
        value_percentile=Decimal("0.05"),
    )
    TierHistoryFactory(customer=value.customer, tier="gold", as_of=dt.date(2025, 3, 1))
    TierHistoryFactory(
        customer=value.customer,
        tier="platinum",
        previous_tier="gold",
        as_of=dt.date(2026, 3, 1),
        decided_by=UserFactory(),
    )
    e = public.explain_tier(value.customer_id)
    assert (e.tier, e.zh, e.en, e.since, e.decided_by_person) == (
        "platinum",
        "铂金",
        "Platinum",
        dt.date(2026, 3, 1),
        True,
    )
    assert [r.text for r in e.reasons] == [
        "您在我们这里投保1年 / 1 year with us",
        "我们看了您在我们这里投保和续保的记录 / we looked at the policies you have held and "
        "renewed with us",
        "您的等级由工作人员复核后确定 / a person reviewed and decided your tier",
    ]
    assert not any("88,000" in r.text or "5%" in r.text for r in e.reasons)
    assert [h["tier"] for h in public.tier_history(value.customer_id)] == ["platinum", "gold"]
    assert public.tier_history(value.customer_id)[0]["decided_by"] == "person"


def test_a_customer_not_valued_has_no_explanation(db):
    assert public.explain_tier(10**9) is None
