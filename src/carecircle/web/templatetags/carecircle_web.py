"""Template filters: money through core.money.format_yuan, never float formatting."""

from __future__ import annotations

from decimal import Decimal

from django import template

from carecircle.core.money import format_yuan
from carecircle.value.public import Tier
from carecircle.value.reasons import percent

register = template.Library()


@register.filter
def yuan(value: Decimal | None, currency: str = "CNY") -> str:
    """``{{ policy.premium|yuan:policy.currency }}`` → ¥2,760.00 or €1,200.00."""
    return format_yuan(value, currency or "CNY")


@register.filter
def ratio(value: Decimal | None) -> str:
    """``{{ v.loss_ratio_3y|ratio }}`` → 35% (0.3512), through value.reasons.percent."""
    return percent(value)


@register.filter
def tier_label(code: str) -> str:
    """``{{ "gold"|tier_label }}`` → 黄金 / Gold; blank → —."""
    if not code:
        return "—"
    try:
        return str(Tier(code).label)
    except ValueError:
        return code
