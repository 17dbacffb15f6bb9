"""The claim workflow's one transition function. ``rules.STEPS`` says from which states each
action may run and whether it needs a reason or an approver; ``EFFECTS`` beside it says what
each action does to the claim (``effects``), what may refuse it first (a guard) and what
follows once it is recorded (notices, review flags, the fast track). ``transition`` looks the
action up, enforces the rules, and records who, when and why.

Approval and payment keep their own functions (``approval.approve``: authority limits;
``payment.pay``: money exactly once); the shop's steps are in its portal (``shop_portal``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from carecircle.core import audit, clock
from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog

from .. import rules
from ..choices import Action
from ..models import Claim
from ..selectors.screening import fraud_signals
from . import effects, fast_track, notices
from .approval import approve
from .clocks import save_with_clocks
from .effects import Change
from .locks import lock_claim
from .payment import pay
from .permissions import ensure_visible, require
from .screening import raise_flags
from .timeline import record


@dataclass(frozen=True)
class Effect:
    """What one action does: ``guard`` may refuse it before anything changes; ``apply`` sets
    the claim's fields and returns data for the timeline; ``then`` runs once the step is
    saved, recorded and audited, in the same transaction."""

    apply: Callable[[Change], dict[str, Any] | None] | None = None
    guard: Callable[[Change], None] | None = None
    then: Callable[[Change], None] | None = None


def _straight_through(change: Change) -> None:
    if change.claim.fast_track:
        fast_track.after_assessment(change.claim, change.acting_user)


def _flag_referral(change: Change) -> None:
    claim = change.claim
    raise_flags(claim, fraud_signals(claim, claim.amount_reserved))


def _send_documents_notice(change: Change) -> None:
    notices.queue_documents_notice(change.claim)  # after the commit (Art 22)


def _send_rejection_notice(change: Change) -> None:
    notices.queue_rejection_notice(change.claim)  # after the commit (Art 24)


# Every action of ``rules.STEPS`` that ``transition`` runs, with its effect. An action with an
# empty ``Effect`` only moves the status (or, without a target, is an event on the timeline).
EFFECTS: dict[str, Effect] = {
    Action.DISPATCH: Effect(effects.dispatch),
    Action.SURVEY: Effect(effects.survey),
    Action.REGISTER: Effect(effects.register),
    Action.ASSESS: Effect(effects.assess, then=_straight_through),
    Action.START_INJURY: Effect(),
    Action.CHECK_LOSS: Effect(),
    Action.ADJUST: Effect(effects.adjust),
    Action.ESCALATE: Effect(),
    Action.FOLLOW_UP: Effect(effects.follow_up),
    Action.CLOSE: Effect(effects.close),
    Action.REOPEN: Effect(effects.reopen),
    Action.WITHDRAW: Effect(effects.withdraw),
    Action.REJECT: Effect(effects.reject, then=_send_rejection_notice),
    Action.REQUEST_DOCUMENTS: Effect(
        effects.request_documents,
        guard=effects.documents_not_yet_requested,
        then=_send_documents_notice,
    ),
    Action.DOCUMENTS_COMPLETE: Effect(effects.documents_complete),
    Action.REJECTION_NOTICE: Effect(
        effects.rejection_notice, guard=effects.rejection_notice_not_sent
    ),
    Action.ADVANCE_PAYMENT: Effect(guard=effects.use_pay_advance),
    Action.REFER: Effect(effects.refer, then=_flag_referral),
    Action.ACCEPT_OFFER: Effect(effects.accept_offer),
}
# The actions of ``rules.STEPS`` with functions of their own instead of an effect.
OWN_FUNCTIONS = frozenset({Action.APPROVE, Action.PAY}) | rules.SHOP_ACTIONS


def transition(
    claim: Claim, action: str, *, acting_user, reason: str = "", data: dict | None = None
) -> Claim:
    """Run one step of the workflow (approve and pay go to their own functions)."""
    if action == Action.APPROVE:
        return approve(claim, acting_user=acting_user, reason=reason).claim
    if action == Action.PAY:
        pay(claim, acting_user=acting_user)
        return Claim.objects.get(pk=claim.pk)
    if action in rules.SHOP_ACTIONS:
        raise DomainError(
            "shop_action", "修理厂在合作伙伴门户操作 / the shop does this in its portal", "action"
        )
    ensure_visible(acting_user, claim)
    require(acting_user, claim, action)
    with transaction.atomic():
        claim = lock_claim(claim)
        step = rules.check_transition(action, claim.status, claim.injury)
        change = Change(
            claim=claim,
            acting_user=acting_user,
            reason=rules.require_reason(action, reason),
            data=dict(data or {}),
            now=clock.now(),
        )
        effect = EFFECTS[action]
        if effect.guard is not None:
            effect.guard(change)
        before = claim.status
        extra = (effect.apply(change) if effect.apply is not None else None) or {}
        if step.target is not None:
            claim.status = step.target
        save_with_clocks(claim)
        record(claim, action, before, acting_user, change.reason, **extra)
        audit.record(
            acting_user,
            AuditLog.Action.UPDATE,
            claim,
            summary=f"{claim.claim_no} {action}",
            changes={"status": [before, claim.status]},
        )
        if effect.then is not None:
            effect.then(change)
    return claim
