"""Reads for the claims pages, the API and the reports; ``restrict`` applied throughout."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, F, Q, QuerySet, Sum

from carecircle.core.money import ZERO, to_money
from carecircle.core.roles import Perm, has_perm

from . import breakdowns, rules
from . import settings_view as sv
from .choices import Action, ClaimStatus, ClockState, FlagStatus
from .models import OPEN_STATUSES, Claim, ClaimTransition

S = ClaimStatus


def claims_for(user) -> QuerySet[Claim]:
    return Claim.objects.restrict(user).select_related(
        "policy", "policy__customer", "vehicle", "handler", "repair_shop"
    )


def claim_for(user, claim_id: int) -> Claim:
    return claims_for(user).get(pk=claim_id)


def worklist(user, view: str = "mine") -> QuerySet[Claim]:
    qs = claims_for(user).filter(status__in=OPEN_STATUSES)
    if view == "mine":
        qs = qs.filter(Q(handler=user) | Q(handler__isnull=True))
    elif view == "flagged":
        qs = qs.filter(flags__status=FlagStatus.OPEN).distinct()
    elif view == "breached":
        qs = qs.filter(Q(clock_state=ClockState.BREACHED) | Q(promise_state=ClockState.BREACHED))
    return qs.annotate(
        open_flags=Count("flags", filter=Q(flags__status=FlagStatus.OPEN), distinct=True)
    ).order_by(F("due_on").asc(nulls_last=True), "reported_at")


def approval_queue(user) -> list[Claim]:
    """Adjusted claims this approver may approve, escalated ones to their level first."""
    if not has_perm(user, Perm.APPROVE_CLAIMS):
        return []
    ladder = sv.authority_ladder()
    role = "manager" if user.is_superuser else user.role
    out = []
    for claim in claims_for(user).filter(status=S.ADJUSTED).order_by("reported_at")[:200]:
        amount = claim.amount_approved or ZERO
        claim.within_authority = rules.may_approve(amount, role, ladder)  # type: ignore[attr-defined]
        if claim.escalated_to and claim.escalated_to != role and not user.is_superuser:
            continue
        out.append(claim)
    out.sort(key=lambda c: (c.escalated_to != role, not c.within_authority))  # type: ignore[attr-defined]
    return out


@dataclass
class ProgressStep:
    status: str
    label: str
    at: dt.datetime | None
    done: bool
    current: bool


def progress(claim: Claim) -> list[ProgressStep]:
    """The main line as the customer sees it, each step with its date."""
    reached: dict[str, dt.datetime] = {}
    for t in claim.transitions.order_by("at", "id"):
        if t.to_status and t.to_status not in reached:
            reached[t.to_status] = t.at
    line: list[str] = [s for s in rules.MAIN_LINE if claim.injury or s != S.INJURY_HANDLING]
    index = line.index(claim.status) if claim.status in line else -1
    return [
        ProgressStep(s, str(ClaimStatus(s).label), reached.get(s), i <= index, i == index)
        for i, s in enumerate(line)
    ]


NEXT_STEP_FOR_CUSTOMER: dict[str, str] = {
    S.REPORTED: "我们正在安排查勘员 / we are assigning a surveyor",
    S.DISPATCHED: "查勘员将联系您 / a surveyor will contact you",
    S.SURVEYED: "等待立案 / the claim is being registered",
    S.REGISTERED: "正在定损，可选择修理厂 / the loss is being assessed; you may choose a shop",
    S.ASSESSED: "核价核损中 / prices and loss are being checked",
    S.INJURY_HANDLING: "人伤处理中 / injuries are being handled",
    S.LOSS_CHECKED: "理算中 / the settlement is being calculated",
    S.ADJUSTED: "核赔中 / the settlement is being approved",
    S.APPROVED: "赔款即将支付 / payment is on its way",
    S.PAID: "赔款已支付，欢迎评价 / paid; please rate our service",
    S.FOLLOWED_UP: "即将结案 / the claim will be closed",
    S.CLOSED: "已结案 / closed",
    S.WITHDRAWN: "已撤案 / withdrawn",
    S.REJECTED: "已拒赔，理由见通知书 / rejected; see the written reasons",
}


CHECKING = "审核中，我们将尽快安排 / being checked; we will arrange the next step shortly"


def next_step_for_customer(claim: Claim) -> str:
    """A reported claim whose screening task has not run yet is "being checked"."""
    if claim.being_screened:
        return CHECKING
    return NEXT_STEP_FOR_CUSTOMER.get(claim.status, "")


def dashboard(user) -> dict[str, Any]:
    qs = Claim.objects.restrict(user)
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


def report(user, since: dt.datetime | None = None) -> dict[str, Any]:
    """Cycle time per step and end to end, fast-track share, payments vs reserves, reopen rate,
    satisfaction after claims, complaints per 1,000 claims; by handler, shop and branch."""
    qs = Claim.objects.restrict(user)
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
        "satisfaction": None
        if totals["mean_satisfaction"] is None
        else Decimal(str(totals["mean_satisfaction"])).quantize(Decimal("0.01")),
        "rated": totals["rated"],
        **breakdowns.totals(qs, n),
        "by_handler": breakdowns.breakdown(qs, "handler"),
        "by_shop": breakdowns.breakdown(qs, "shop"),
        "by_branch": breakdowns.breakdown(qs, "branch"),
    }
