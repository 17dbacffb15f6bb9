"""Template filters: money through core.money.format_yuan, never float formatting."""

from __future__ import annotations

from decimal import Decimal

from django import template

from carecircle.core.money import format_yuan

register = template.Library()


@register.filter
def yuan(value: Decimal | None, currency: str = "CNY") -> str:
    """``{{ policy.premium|yuan:policy.currency }}`` → ¥2,760.00 or €1,200.00."""
    return format_yuan(value, currency or "CNY")
