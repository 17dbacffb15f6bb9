"""“Should I claim?” (出险还是自费): the premium a claim adds over the next three years against
repairing at a partner shop's negotiated price without a claim, under the NCD rule of
``policies.ncd`` (claims − consecutive insured years). Pure; docs/claims.md works DOMAIN.md's
example by hand ([0,0,0,0] at 0.5, base ¥3,000: a claim costs ¥1,800 more over three years)
and tests/claims/rules/test_calculator.py matches it to the cent."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from carecircle.core.errors import DomainError
from carecircle.core.money import ZERO, to_money
from carecircle.policies import ncd

YEARS = 3


@dataclass(frozen=True)
class YearPremium:
    year: int
    level: int
    coefficient: Decimal
    premium: Decimal


@dataclass(frozen=True)
class Verdict:
    base_premium: Decimal  # today's premium without the NCD coefficient
    with_claim: list[YearPremium]
    without_claim: list[YearPremium]
    premium_increase: Decimal
    deductible: Decimal
    cost_if_claimed: Decimal  # extra premium + deductible
    repair_list_price: Decimal
    repair_price: Decimal  # at the partner shop's negotiated terms
    cost_if_not_claimed: Decimal
    recommend_claim: bool
    saving: Decimal


def shop_price(
    parts_list: Decimal, labour_hours: Decimal, labour_rate: Decimal, parts_factor: Decimal
) -> Decimal:
    return to_money(parts_list * parts_factor) + to_money(labour_hours * labour_rate)


def project(
    history: Sequence[int], claims_now: int, rules: ncd.NcdRules, base: Decimal
) -> list[YearPremium]:
    """Premiums of the next ``YEARS`` renewals, each renewed on time by the same owner: this
    year ends with ``claims_now`` claims, the years after are claim-free. ``history`` = claims
    per past year of the unbroken run this year continues, newest first."""
    out = []
    years = [claims_now, *history]
    for n in range(1, YEARS + 1):
        level = ncd.level_from_counts(years, rules=rules)
        coefficient = rules.coefficient(level)
        out.append(YearPremium(n, level, coefficient, to_money(base * coefficient)))
        years = [0, *years]
    return out


def should_i_claim(
    *,
    premium: Decimal,
    ncd_coefficient: Decimal,
    history: Sequence[int],
    claims_this_year: int,
    rules: ncd.NcdRules,
    repair_list_price: Decimal,
    repair_price: Decimal,
    deductible: Decimal = ZERO,
) -> Verdict:
    """``premium``/``ncd_coefficient``: the customer's current commercial policy; other rating
    factors are taken as unchanged, so base = premium ÷ NCD coefficient. ``rules``: the NCD
    settings of the customer's region (its ladder)."""
    if ncd_coefficient <= 0 or premium < 0 or repair_price < 0:
        raise DomainError("calculator_input", "输入不合法 / invalid calculator input", "premium")
    base = to_money(premium / ncd_coefficient)
    with_claim = project(history, claims_this_year + 1, rules, base)
    without = project(history, claims_this_year, rules, base)
    increase = to_money(sum((y.premium for y in with_claim), ZERO)) - to_money(
        sum((y.premium for y in without), ZERO)
    )
    cost_claimed = to_money(increase + deductible)
    cost_not = to_money(repair_price)
    # Claiming also costs the deductible; it pays the whole repair, so compare the extra cost
    # of claiming with paying the repair yourself.
    claim = cost_claimed < cost_not
    return Verdict(
        base_premium=base,
        with_claim=with_claim,
        without_claim=without,
        premium_increase=to_money(increase),
        deductible=to_money(deductible),
        cost_if_claimed=cost_claimed,
        repair_list_price=to_money(repair_list_price),
        repair_price=cost_not,
        cost_if_not_claimed=cost_not,
        recommend_claim=claim,
        saving=abs(cost_claimed - cost_not),
    )
