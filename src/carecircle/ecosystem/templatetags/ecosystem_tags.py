"""Filters for scorecards and the cockpit: one formatter per kind of figure."""

from __future__ import annotations

from decimal import Decimal

from django import template

from carecircle.core.money import format_yuan
from carecircle.ecosystem.choices import Verdict

register = template.Library()


@register.filter
def figure(value, kind: str = "number") -> str:
    if value is None or value == "":
        return "—"
    if kind == "money":
        return format_yuan(Decimal(value))
    if kind == "rate":
        return f"{Decimal(value) * 100:.1f}%"
    if kind in ("ratio", "score"):
        return f"{Decimal(value):.2f}"
    if kind == "days":
        return f"{Decimal(value):.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


@register.filter
def target(value: str, kind: str = "number") -> str:
    if not value:
        return "—"
    if " – " in value:
        return " – ".join(figure(part, kind) for part in value.split(" – "))
    return figure(value, kind)


@register.filter
def mask_plate(plate: str) -> str:
    """浙A12345 → 浙A***45: enough for a shop to recognise its job, not a personal identifier."""
    if not plate or len(plate) < 5:
        return plate or "—"
    return plate[:2] + "***" + plate[-2:]


@register.filter
def verdict_label(code: str) -> str:
    try:
        return str(Verdict(code).label)
    except ValueError:
        return code
