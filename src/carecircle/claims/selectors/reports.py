"""The claims dashboard and report: open claims by status, clocks breached or due soon; cycle
times, fast-track share, payments against reserves and recoveries (net incurred), by handler, shop, unit (机构) and the
customer's city. ``restrict`` applied to every figure; ``units`` (``?unit=``) narrows them to
one unit's subtree."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, Q, Sum

from carecircle.core.money import ZERO, to_money
from carecircle.core.unit_scope import UnitScope

from .. import rules
from ..choices import Action, ClaimStatus, ClockState, FlagStatus
from ..models import OPEN_STATUSES, Claim, ClaimTransition
from . import breakdowns


def _scoped(user, units: UnitScope | None):
    qs = Claim.objects.restrict(user)
    return qs if units is None else units.narrow(qs)


def dashboard(user, units: UnitScope | None = None) -> dict[str, Any]:
    qs = _scoped(user, units)
    open_qs = qs.filter(status__in=OPEN_STATUSES)
    by_status = dict(open_qs.values_list("status").annotate(n=Count("pk")).order_by())
    legal = qs.filter(clock_state=ClockState.BREACHED).select_related("policy__customer")
    promise = open_qs.filter(promise_state=ClockState.BREACHED)
    soon = open_qs.filter(
        Q(clock_state=ClockState.WARNING) | Q(promise_state=ClockState.WARNING)
    ).order_by("due_on")
    return {
        "by_status": [
            (str(ClaimStatus(s).label), by_status.get(s, 0))
            for s in rules.MAIN_LINE
            if s in OPEN_STATUSES
        ],
        "open": sum(by_status.values()),
        "legal_breaches": legal.order_by("due_on")[:50],
        "legal_breach_count": legal.count(),
        "promise_breach_count": promise.count(),
        "due_soon": soon[:50],
        "due_soon_count": soon.count(),
        "open_flags": qs.filter(flags__status=FlagStatus.OPEN).distinct().count(),
        "escalated": open_qs.exclude(escalated_to="").count(),
    }


def _days(a: dt.datetime, b: dt.datetime) -> Decimal:
    return Decimal((b - a).total_seconds() / 86400).quantize(Decimal("0.01"))


def report(
    user, since: dt.datetime | None = None, units: UnitScope | None = None
) -> dict[str, Any]:
    """Cycle time per step and end to end, fast-track share, payments vs reserves, reopen rate,
    satisfaction after claims, complaints per 1,000 claims; by handler, shop, unit and the
    customer's city."""
    qs = _scoped(user, units)
    if since is not None:
        qs = qs.filter(reported_at__gte=since)
    ids = qs.values("pk")
    steps: dict[str, list[Decimal]] = defaultdict(list)
    last: dict[int, dt.datetime] = {}
    first: dict[int, dt.datetime] = {}
    paid_at: dict[int, dt.datetime] = {}
    for claim_id, action, at in (
        ClaimTransition.objects.filter(claim_id__in=ids)
        .exclude(to_status="")
        .order_by("claim_id", "at", "id")
        .values_list("claim_id", "action", "at")
        .iterator(chunk_size=5000)
    ):
        if claim_id in last and rules.STEPS.get(action) and rules.STEPS[action].target:
            steps[action].append(_days(last[claim_id], at))
        first.setdefault(claim_id, at)
        last[claim_id] = at
        if action == Action.PAY:
            paid_at.setdefault(claim_id, at)
    end_to_end = [_days(first[c], p) for c, p in paid_at.items()]
    totals = qs.aggregate(
        n=Count("pk"),
        fast=Count("pk", filter=Q(fast_track=True)),
        reopened=Count("pk", filter=Q(reopen_count__gt=0)),
        paid=Sum("amount_paid"),
        # The same claims as ``paid``; a closed, withdrawn or rejected claim holds no reserve
        # (imported rows may still carry one), so only open claims' reserves count.
        reserved=Sum("amount_reserved", filter=Q(status__in=OPEN_STATUSES)),
        recovered=Sum("amount_recovered"),
        mean_satisfaction=Avg("satisfaction"),
        rated=Count("satisfaction"),
    )
    n = totals["n"] or 0

    def mean(xs: list[Decimal]) -> Decimal | None:
        return (sum(xs, Decimal(0)) / len(xs)).quantize(Decimal("0.01")) if xs else None

    return {
        "claims": n,
        "cycle_days": [
            {"step": a, "label": str(Action(a).label), "mean": mean(v), "count": len(v)}
            for a, v in steps.items()
        ],
        "end_to_end_days": mean(end_to_end),
        "fast_track_share": (Decimal(totals["fast"]) / n).quantize(Decimal("0.0001"))
        if n
        else None,
        "reopen_rate": (Decimal(totals["reopened"]) / n).quantize(Decimal("0.0001")) if n else None,
        "paid": to_money(totals["paid"] or ZERO),
        "reserved": to_money(totals["reserved"] or ZERO),
        # Net incurred = paid + reserve − recoveries (subrogation recovered, salvage sold).
        "recovered": to_money(totals["recovered"] or ZERO),
        "net_incurred": breakdowns.net_incurred(totals),
        "satisfaction": None
        if totals["mean_satisfaction"] is None
        else Decimal(str(totals["mean_satisfaction"])).quantize(Decimal("0.01")),
        "rated": totals["rated"],
        **breakdowns.totals(qs, n),
        "by_handler": breakdowns.breakdown(qs, "handler"),
        "by_shop": breakdowns.breakdown(qs, "shop"),
        "by_unit": breakdowns.by_unit(qs, units) if units is not None else [],
        "by_branch": breakdowns.breakdown(qs, "branch"),
    }
