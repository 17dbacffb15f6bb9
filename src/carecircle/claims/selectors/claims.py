"""Reads of claims for the staff and customer pages and the API: ``restrict`` applied
throughout (``claims_for``), the worklist, the approver's queue, the customer's progress."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet

from carecircle.core.money import ZERO
from carecircle.core.roles import Perm, has_perm
from carecircle.core.unit_scope import UnitScope

from .. import rule_settings, rules
from ..choices import ClaimStatus, ClockState, FlagStatus
from ..models import OPEN_STATUSES, Claim

S = ClaimStatus


def claims_for(user) -> QuerySet[Claim]:
    return Claim.objects.restrict(user).select_related(
        "policy", "policy__customer", "vehicle", "handler", "repair_shop"
    )


def worklist(user, view: str = "mine", units: UnitScope | None = None) -> QuerySet[Claim]:
    """Open claims to work on; ``units`` narrows to one unit's subtree (``?unit=``)."""
    qs = claims_for(user).filter(status__in=OPEN_STATUSES)
    if units is not None:
        qs = units.narrow(qs)
    if view == "mine":
        qs = qs.filter(Q(handler=user) | Q(handler__isnull=True))
    elif view == "flagged":
        qs = qs.filter(flags__status=FlagStatus.OPEN).distinct()
    elif view == "breached":
        qs = qs.filter(Q(clock_state=ClockState.BREACHED) | Q(promise_state=ClockState.BREACHED))
    elif view == "late":  # Art 26: reported past the limitation, for a person to weigh
        qs = qs.filter(late_report=True)
    return qs.annotate(
        open_flags=Count("flags", filter=Q(flags__status=FlagStatus.OPEN), distinct=True)
    ).order_by(F("due_on").asc(nulls_last=True), "reported_at")


def approval_queue(user, units: UnitScope | None = None) -> list[Claim]:
    """Adjusted claims this approver may approve (their subtree's, ``units`` narrowing it),
    escalated ones to their level first."""
    if not has_perm(user, Perm.APPROVE_CLAIMS):
        return []
    ladder = rule_settings.authority_ladder()
    role = "manager" if user.is_superuser else user.role
    out = []
    adjusted = claims_for(user).filter(status=S.ADJUSTED)
    if units is not None:
        adjusted = units.narrow(adjusted)
    for claim in adjusted.order_by("reported_at")[:200]:
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
