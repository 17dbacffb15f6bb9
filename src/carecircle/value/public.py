"""What other apps may read of customer value: the one door into ``value`` (ADR 0012).

Renewals, the alliance, claims (through ``core.handoff``) and the read models ask here instead
of reading ``CustomerValue`` or tier rows themselves, so the value engine may change how it
stores results without reaching into other apps.
"""

from __future__ import annotations

from django.db.models import QuerySet

from .models import CustomerValue, Tier, ValueRun
from .models.tiers import TIER_RANKS, TIERS_BY_RANK

__all__ = [
    "TIERS_BY_RANK",
    "TIER_RANKS",
    "Tier",
    "current_run",
    "current_tier",
    "current_values",
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


def current_values() -> QuerySet[CustomerValue]:
    """Every customer's figures in the current run (for set-based reads: sorting renewals,
    issuing entitlements); callers that reach a user add ``restrict``."""
    return CustomerValue.objects.current()


def current_run() -> ValueRun | None:
    return ValueRun.objects.filter(is_current=True).first()
