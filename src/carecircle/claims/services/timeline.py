"""The claim's timeline: one append-only ``ClaimTransition`` row per step or event."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from carecircle.core import clock

from ..models import Claim, ClaimTransition


def record(
    claim: Claim, action: str, from_status: str, actor, reason: str = "", **data: Any
) -> ClaimTransition:
    """Who (None = the system), when, why, with JSON-safe data."""
    return ClaimTransition.objects.create(
        claim=claim,
        action=action,
        from_status=from_status,
        to_status=claim.status,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        at=clock.now(),
        reason=reason,
        data={k: (str(v) if isinstance(v, Decimal | dt.date) else v) for k, v in data.items()},
    )
