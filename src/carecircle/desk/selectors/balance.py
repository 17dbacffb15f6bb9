"""The "value balance" section of the customer 360 page: both sides of one customer's value.

Insurer staff only (customers, partners and merchants never see how the insurer values a
customer).  Four indexed queries: the current value row, the tier history, the customer's
list entries and their events.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch

from carecircle.parties.models import Customer
from carecircle.value import reasons
from carecircle.value.models import (
    CustomerValue,
    ListEntry,
    ListEvent,
    ReviewStatus,
    TierHistory,
    TierReview,
)
from carecircle.value.selectors import policy_values, vehicle_values

HISTORY_SHOWN = 20


@dataclass
class ValueBalance:
    value: CustomerValue | None
    reasons: list[reasons.Reason]
    history: list[TierHistory]
    entries: list[ListEntry]
    pending_review: TierReview | None
    policies: list[dict]
    vehicles: list[dict]

    @property
    def top_percent(self) -> int | None:
        return reasons.top_percent(self.value.value_percentile) if self.value else None


def balance_for(user: Any, customer: Customer) -> ValueBalance | None:
    """``customer`` must come from ``Customer.objects.restrict(user)``; None for non-staff."""
    if not getattr(user, "is_insurer_staff", False):
        return None
    value = (
        CustomerValue.objects.current()
        .restrict(user)
        .filter(customer=customer)
        .select_related("run")
        .first()
    )
    history = list(
        TierHistory.objects.restrict(user)
        .filter(customer=customer)
        .select_related("decided_by")
        .order_by("-as_of", "-id")[:HISTORY_SHOWN]
    )
    events = ListEvent.objects.select_related("actor").order_by("at", "id")
    entries = list(
        ListEntry.objects.restrict(user)
        .filter(customer=customer)
        .select_related("decided_by")
        .prefetch_related(Prefetch("events", queryset=events))
        .order_by("-proposed_at", "-id")
    )
    pending = None
    if value is not None and value.needs_review:
        pending = (
            TierReview.objects.restrict(user)
            .filter(customer=customer, status=ReviewStatus.PENDING)
            .first()
        )
    # per policy and per vehicle with the engine's formulas (value.selectors)
    policy_rows = policy_values(customer.pk, value.run.as_of) if value is not None else []
    return ValueBalance(
        policies=policy_rows,
        vehicles=vehicle_values(policy_rows),
        value=value,
        reasons=reasons.render(value) if value is not None else [],
        history=history,
        entries=entries,
        pending_review=pending,
    )
