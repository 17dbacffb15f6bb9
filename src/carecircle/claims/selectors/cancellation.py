"""Which claims stop a policy from being cancelled on a date (asked by policies through
``core.handoff.Question.CLAIMS_STOPPING_CANCELLATION``: an ownership transfer that cancels
the policies in force, docs/parties-and-transfers.md).

A policy is not cancelled with a refund while a claim on it is open (未决赔案: what it pays is
not known yet), nor when an accident on or after the cancellation date was reported on it (the
cover after that date was used). Withdrawn and rejected claims stop nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Q
from django.utils import timezone

from ..choices import ClaimStatus
from ..models import OPEN_STATUSES, Claim


def claims_stopping_cancellation(policy_ids: Iterable[int], on: dt.date) -> dict[int, list[str]]:
    """{policy id: [claim no, …]} of the claims that stop cancelling each policy from ``on``;
    policies with none are absent. One query."""
    ids = list(policy_ids)
    if not ids:
        return {}
    from_day = timezone.make_aware(dt.datetime.combine(on, dt.time.min))
    rows = (
        Claim.objects.filter(policy_id__in=ids)
        .filter(
            Q(status__in=OPEN_STATUSES)
            | (
                Q(accident_at__gte=from_day)
                & ~Q(status__in=(ClaimStatus.WITHDRAWN, ClaimStatus.REJECTED))
            )
        )
        .order_by("policy_id", "claim_no")
        .values_list("policy_id", "claim_no")
    )
    found: dict[int, list[str]] = {}
    for policy_id, claim_no in rows:
        found.setdefault(policy_id, []).append(claim_no)
    return found
