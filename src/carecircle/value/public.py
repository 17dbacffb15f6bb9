"""What other apps may read of customer value: the one door into ``value`` (ADR 0012).

Renewals, the alliance, claims (through ``core.handoff``) and the read models ask here instead
of reading ``CustomerValue`` or tier rows themselves, so the value engine may change how it
stores results without reaching into other apps.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from . import reasons
from .models import CustomerValue, Tier, ValueRun
from .models.tiers import TIER_RANKS, TIERS_BY_RANK
from .reasons import Reason

__all__ = [
    "TIERS_BY_RANK",
    "TIER_RANKS",
    "Reason",
    "Tier",
    "current_run",
    "current_tier",
    "current_value",
    "current_values",
    "reasons_for",
    "tier_rank",
]


def current_tier(customer_id: int) -> str:
    """The customer's tier in the current value run; "" when the customer is not yet valued."""
    return (
        CustomerValue.objects.current()
        .filter(customer_id=customer_id)
        .values_list("tier", flat=True)
        .first()
        or ""
    )


def tier_rank(tier: str) -> int:
    """4 for diamond down to 0 for standard (so "one step" is arithmetic)."""
    return TIER_RANKS[tier]


def current_value(customer_id: int, user: Any) -> CustomerValue | None:
    """The customer's figures in the current run (tier, renewal probability, lifetime value,
    reason codes, …) as ``user`` may see them (``restrict``); None when the customer is not
    valued yet or out of ``user``'s reach."""
    return CustomerValue.objects.restrict(user).current().filter(customer_id=customer_id).first()


def reasons_for(value: CustomerValue) -> list[Reason]:
    """The row's reason codes as bilingual sentences, in the engine's order (``reasons``:
    the words for each code live beside the engine that writes the codes)."""
    return reasons.render(value)


def current_values() -> QuerySet[CustomerValue]:
    """Every customer's figures in the current run (for set-based reads: sorting renewals,
    issuing entitlements); callers that reach a user add ``restrict``."""
    return CustomerValue.objects.current()


def current_run() -> ValueRun | None:
    return ValueRun.objects.filter(is_current=True).first()
