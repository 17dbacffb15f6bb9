"""Reason codes of a customer value row, rendered as plain bilingual sentences.

The engine stores terse codes (``CustomerValue.reasons``, comma-separated) so runs stay small
and stable; people read sentences made here from the row's own figures, e.g. "客户8年 /
8 years with us".  A code this module does not know is shown as the code itself: a new code
from a newer engine must never break the 360 page.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from carecircle.core.money import format_yuan

from .models import Tier


@dataclass(frozen=True)
class Reason:
    code: str
    zh: str
    en: str

    @property
    def text(self) -> str:
        return f"{self.zh} / {self.en}" if self.en else self.zh

    def __str__(self) -> str:
        return self.text


def codes(value: Any) -> list[str]:
    return [c.strip() for c in (getattr(value, "reasons", "") or "").split(",") if c.strip()]


def whole_yuan(amount: Decimal | None) -> str:
    """¥12,400 rather than ¥12,400.00: sentences round to the yuan, via core.money."""
    if amount is None:
        return format_yuan(None)
    return format_yuan(Decimal(amount).quantize(Decimal(1), rounding=ROUND_HALF_UP)).removesuffix(
        ".00"
    )


def percent(ratio: Decimal | None) -> str:
    """0.3512 → "35%"; None → "—"."""
    if ratio is None:
        return "—"
    return f"{(Decimal(ratio) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)}%"


def top_percent(percentile: Decimal | None) -> int:
    """The value percentile counts from the top (0.12 = top 12%); never "top 0%"."""
    if percentile is None:
        return 100
    return max(1, min(100, math.ceil(Decimal(percentile) * 100)))


def years(tenure: Decimal | None) -> str:
    if tenure is None:
        return "—"
    tenure = Decimal(tenure).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return str(int(tenure)) if tenure == tenure.to_integral_value() else str(tenure)


def tier_names(tier: str) -> tuple[str, str]:
    """("钻石", "Diamond") from the Tier label "钻石 / Diamond"; unknown → (code, code)."""
    try:
        label = str(Tier(tier).label)
    except ValueError:
        return tier, tier
    zh, _, en = label.partition(" / ")
    return zh, en or zh


def _tenure(v: Any) -> tuple[str, str]:
    n = years(v.tenure_years)
    return f"客户{n}年", f"{n} year{'s' if n != '1' else ''} with us"


def _loss_ratio(v: Any) -> tuple[str, str]:
    lr = percent(v.loss_ratio_3y)
    return f"三年赔付率{lr}", f"3-year loss ratio {lr}"


def _lifetime_value(v: Any) -> tuple[str, str]:
    amount, top = whole_yuan(v.lifetime_value), top_percent(v.value_percentile)
    return f"终身价值{amount},前{top}%", f"lifetime value {amount}, top {top}%"


def _loss_making(v: Any) -> tuple[str, str]:
    margin = whole_yuan(v.annual_margin)
    return f"年边际贡献为负({margin})", f"loses money: annual margin {margin}"


def _step_limited(v: Any) -> tuple[str, str]:
    zh, en = tier_names(v.rule_tier)
    return (
        f"等级每年最多调整一级(规则建议{zh}),待人工复核",
        f"a tier moves at most one step a year (the rules say {en}); a person reviews",
    )


def _listed(kind_zh: str, kind_en: str) -> Callable[[Any], tuple[str, str]]:
    def render(v: Any) -> tuple[str, str]:
        n, lr = v.claims_count_3y, percent(v.loss_ratio_credible)
        return (
            f"建议列入{kind_zh}:三年{n}次赔案,信度赔付率{lr},待人工审核",
            f"proposed for the {kind_en}: {n} claims in 3 years, credible loss ratio {lr};"
            " a person decides",
        )

    return render


def _fixed(zh: str, en: str) -> Callable[[Any], tuple[str, str]]:
    return lambda v: (zh, en)


RENDERERS: dict[str, Callable[[Any], tuple[str, str]]] = {
    "tenure": _tenure,
    "new_customer": _fixed("新客户,不足一年", "new customer, less than a year with us"),
    "loss_ratio": _loss_ratio,
    "lifetime_value": _lifetime_value,
    "loss_making": _loss_making,
    "no_cover": _fixed("目前无有效保单", "no policy in force"),
    "person_approved": _fixed("等级经人工复核确定", "tier decided by a person's review"),
    "loyal_large_claim": _fixed(
        "老客户近一年一次大额人伤赔案:保留等级,待人工复核",
        "loyal customer with one large injury claim last year: tier kept, a person reviews",
    ),
    "step_limited": _step_limited,
    "improving": _fixed(
        "新驾驶人赔案在减少且金额小,不列入名单",
        "new driver improving (fewer, small claims): not listed",
    ),
    "list_grey": _listed("灰名单", "grey list"),
    "list_black": _listed("黑名单", "black list"),
}


def render(value: Any) -> list[Reason]:
    """The row's reason codes as sentences, in the order the engine wrote them."""
    out = []
    for code in codes(value):
        renderer = RENDERERS.get(code)
        if renderer is None:
            out.append(Reason(code, code, ""))
            continue
        try:
            zh, en = renderer(value)
        except (AttributeError, ArithmeticError, TypeError, ValueError):
            # A row missing a figure still shows its code rather than breaking the page.
            out.append(Reason(code, code, ""))
            continue
        out.append(Reason(code, zh, en))
    return out


def sentences(value: Any) -> list[str]:
    return [r.text for r in render(value)]
