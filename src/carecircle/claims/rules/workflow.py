"""The claim workflow's state machine: one table of allowed transitions (``STEPS``), the main
line a handler walks, and the checks every step passes (from-state, written reason). Pure."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from carecircle.core.errors import DomainError

from ..choices import Action, ClaimStatus

S = ClaimStatus


@dataclass(frozen=True)
class Step:
    sources: frozenset[str]
    target: str | None  # None: the status does not change (an event on the timeline)
    needs_reason: bool = False
    approver_only: bool = False


PRE_PAYMENT = frozenset(
    {
        S.REPORTED,
        S.DISPATCHED,
        S.SURVEYED,
        S.REGISTERED,
        S.ASSESSED,
        S.INJURY_HANDLING,
        S.LOSS_CHECKED,
        S.ADJUSTED,
    }
)
DECIDABLE = frozenset({S.REGISTERED, S.ASSESSED, S.INJURY_HANDLING, S.LOSS_CHECKED, S.ADJUSTED})

# One table of allowed transitions for the claim workflow (机动车辆保险理赔管理指引).
STEPS: dict[str, Step] = {
    Action.DISPATCH: Step(frozenset({S.REPORTED}), S.DISPATCHED),
    Action.SURVEY: Step(frozenset({S.DISPATCHED}), S.SURVEYED),
    Action.REGISTER: Step(frozenset({S.SURVEYED}), S.REGISTERED),
    Action.ASSESS: Step(frozenset({S.REGISTERED}), S.ASSESSED),
    Action.START_INJURY: Step(frozenset({S.ASSESSED}), S.INJURY_HANDLING),
    Action.CHECK_LOSS: Step(frozenset({S.ASSESSED, S.INJURY_HANDLING}), S.LOSS_CHECKED),
    Action.ADJUST: Step(frozenset({S.LOSS_CHECKED}), S.ADJUSTED),
    Action.APPROVE: Step(frozenset({S.ADJUSTED}), S.APPROVED, approver_only=True),
    Action.ESCALATE: Step(frozenset({S.ADJUSTED}), None),
    Action.PAY: Step(frozenset({S.APPROVED}), S.PAID),
    Action.FOLLOW_UP: Step(frozenset({S.PAID}), S.FOLLOWED_UP),
    Action.CLOSE: Step(frozenset({S.FOLLOWED_UP}), S.CLOSED),
    Action.REOPEN: Step(frozenset({S.CLOSED, S.WITHDRAWN, S.REJECTED}), S.REGISTERED, True),
    Action.WITHDRAW: Step(PRE_PAYMENT, S.WITHDRAWN, True),
    Action.REJECT: Step(DECIDABLE, S.REJECTED, True, approver_only=True),
    Action.REQUEST_DOCUMENTS: Step(PRE_PAYMENT, None, True),
    Action.DOCUMENTS_COMPLETE: Step(PRE_PAYMENT, None),
    Action.REJECTION_NOTICE: Step(frozenset({S.REJECTED}), None),
    Action.ADVANCE_PAYMENT: Step(DECIDABLE, None, approver_only=True),
    Action.REFER: Step(PRE_PAYMENT | {S.APPROVED}, None),
    Action.ACCEPT_OFFER: Step(frozenset({S.ADJUSTED, S.APPROVED}), None),
    # The shop's steps (partner portal): accept while the claim is open, propose an estimate
    # before the loss check (the assessor decides), report the repair done until closing.
    Action.SHOP_ACCEPT: Step(PRE_PAYMENT | {S.APPROVED, S.PAID}, None),
    Action.SHOP_ESTIMATE: Step(PRE_PAYMENT - {S.LOSS_CHECKED, S.ADJUSTED}, None),
    Action.REPAIR_DONE: Step(PRE_PAYMENT | {S.APPROVED, S.PAID, S.FOLLOWED_UP}, None),
}
SHOP_ACTIONS = frozenset({Action.SHOP_ACCEPT, Action.SHOP_ESTIMATE, Action.REPAIR_DONE})
# The main line a handler walks, in order (for "next step" hints and the timeline).
MAIN_LINE = [
    S.REPORTED,
    S.DISPATCHED,
    S.SURVEYED,
    S.REGISTERED,
    S.ASSESSED,
    S.INJURY_HANDLING,
    S.LOSS_CHECKED,
    S.ADJUSTED,
    S.APPROVED,
    S.PAID,
    S.FOLLOWED_UP,
    S.CLOSED,
]
STATUS_CHANGES = [a for a, s in STEPS.items() if s.target is not None]


def allowed_actions(status: str, injury: bool) -> list[str]:
    """The status-changing actions open from ``status``, main line first."""
    out = []
    for action in STATUS_CHANGES:
        if status not in STEPS[action].sources:
            continue
        if action == Action.START_INJURY and not injury:
            continue
        if action == Action.CHECK_LOSS and injury and status == S.ASSESSED:
            continue  # injuries are handled before the loss check
        out.append(action)
    return out


def _labels(actions: Iterable[str]) -> str:
    return ", ".join(f"{a} ({Action(a).label})" for a in actions) or "—"


def check_transition(action: str, status: str, injury: bool) -> Step:
    """The step for ``action`` from ``status``; refused with the allowed next steps."""
    if action not in STEPS:
        raise DomainError("unknown_action", f"未知动作 / unknown action {action!r}", "action")
    step = STEPS[action]
    allowed = status in step.sources
    if action == Action.START_INJURY and not injury:
        allowed = False
    if action == Action.CHECK_LOSS and injury and status == S.ASSESSED:
        allowed = False
    if not allowed:
        nxt = allowed_actions(status, injury)
        raise DomainError(
            "transition_not_allowed",
            f"当前状态 {ClaimStatus(status).label} 不能执行 {Action(action).label}；"
            f"可执行 / from {status} you cannot {action}; allowed next steps: {_labels(nxt)}",
            "action",
            status=409,
        )
    return step


def require_reason(action: str, reason: str) -> str:
    reason = (reason or "").strip()
    if STEPS[action].needs_reason and len(reason) < 2:
        raise DomainError(
            "reason_required",
            f"{Action(action).label} 须书面说明理由 / {action} needs a written reason",
            "reason",
        )
    return reason
