"""Screening a reported claim (审核), once, in a task after the report commits
(``tasks.screen_claim``): review flags for its fraud and leakage signals, and the fast track
when it fits the rule on the customer's estimate. ``screen_pending`` is the recovery sweep for
a task that was lost."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from carecircle.core import clock
from carecircle.core.money import ZERO

from ..choices import Action, ClaimStatus
from ..models import OPEN_STATUSES, Claim, ClaimFlag
from ..selectors import screening as facts
from .fast_track import enter_fast_track
from .timeline import record


def raise_flags(claim: Claim, signals: list[tuple[str, str]]) -> int:
    """One open flag per signal and claim (unique constraint); repeats are ignored."""
    if not signals:
        return 0
    have = set(ClaimFlag.objects.filter(claim=claim).values_list("code", flat=True))
    raised = 0
    for code, reason in signals:
        if code in have:
            continue
        ClaimFlag.objects.create(claim=claim, code=code, reason=reason, raised_at=clock.now())
        record(claim, Action.FLAG, claim.status, None, reason, code=code)
        raised += 1
    return raised


def screen(claim_id: int) -> str:
    """审核 a reported claim once: raise review flags for its signals and, if it is still
    waiting for dispatch and fits the fast-track rule on the customer's estimate, put it on
    the fast track. Idempotent: a claim already screened is left alone ("done" returned)."""
    with transaction.atomic():
        claim = Claim.objects.select_for_update().select_related("policy").filter(pk=claim_id)
        found = claim.first()
        if found is None:
            return "missing"
        claim = found
        if claim.screened_at is not None:
            return "done"
        estimate = claim.customer_estimate
        raise_flags(claim, facts.fraud_signals(claim, estimate or ZERO))
        outcome = "screened"
        # A handler may have dispatched the claim before the task ran: then it stays with them.
        if estimate is not None and claim.status == ClaimStatus.REPORTED:
            refusals = facts.fast_track_refusals(claim)
            if not refusals:
                enter_fast_track(claim)
                outcome = "fast_track"
        claim.screened_at = clock.now()
        claim.save(update_fields=["screened_at", "updated_at"])
    return outcome


def screen_pending(*, older_than: dt.timedelta = dt.timedelta(minutes=5), limit: int = 1000) -> int:
    """Recovery sweep: screen reported claims whose task was lost (a crash after the commit,
    a queue emptied). Run by `carecircle claims_clocks`; screening is idempotent."""
    ids = list(
        Claim.objects.filter(
            screened_at__isnull=True,
            reported_at__lt=clock.now() - older_than,
            status__in=OPEN_STATUSES,
        )
        .exclude(report_channel="")
        .order_by("reported_at")
        .values_list("pk", flat=True)[:limit]
    )
    for claim_id in ids:
        screen(claim_id)
    return len(ids)
