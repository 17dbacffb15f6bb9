"""The fast track (快赔): a small, clear claim is dispatched, surveyed remotely and registered at
once when screened; the handler's remote assessment then runs straight through loss check,
adjustment, approval by the rule and payment — or the claim leaves the fast track with the
reasons and goes on as a normal claim. The system's steps are on the timeline like anyone's."""

from __future__ import annotations

from typing import Any

from carecircle.core import clock

from .. import rules
from ..choices import Action, SurveyMode
from ..models import Claim
from ..selectors.screening import fast_track_refusals
from .approval import record_approval_audit
from .clocks import save_with_clocks
from .effects import adjust_claim
from .payment import default_payee, final_key, pay_locked
from .timeline import record


def system_step(claim: Claim, action: str, **fields: Any) -> None:
    """A step taken by the fast-track rule: the transition table still applies."""
    before = claim.status
    rules.check_transition(action, claim.status, claim.injury)
    claim.status = rules.STEPS[action].target or claim.status
    for k, v in fields.items():
        setattr(claim, k, v)
    save_with_clocks(claim)
    record(claim, action, before, None, "快赔规则 / fast-track rule", by="fast_track")


def enter_fast_track(claim: Claim) -> None:
    """Remote survey from the photos: dispatch, survey and register at once; the handler's
    remote assessment then runs straight through to payment."""
    claim.fast_track = True
    record(claim, Action.FAST_TRACK, claim.status, None, "符合快赔规则 / fast track")
    system_step(claim, Action.DISPATCH)
    system_step(claim, Action.SURVEY, survey_mode=SurveyMode.REMOTE)
    system_step(claim, Action.REGISTER)


def after_assessment(claim: Claim, acting_user) -> None:
    """Straight through: loss check, adjustment, approval by the fast-track rule and payment,
    if the assessed amount still fits the rule; otherwise the claim leaves the fast track and
    goes on as a normal claim (recorded with the reasons)."""
    refusals = fast_track_refusals(claim, claim.amount_assessed)
    if refusals:
        claim.fast_track = False
        claim.save(update_fields=["fast_track", "updated_at"])
        record(claim, Action.FAST_TRACK, claim.status, None, "; ".join(refusals), left=True)
        return
    system_step(claim, Action.CHECK_LOSS)
    extra = adjust_claim(claim, {"liability_share": claim.liability_share or "1"})
    system_step(claim, Action.ADJUST)
    now = clock.now()
    system_step(claim, Action.APPROVE, approved_at=now, approved_by=None)
    record_approval_audit(claim, None, extra["total"])
    pay_locked(claim, acting_user=None, key=final_key(claim), payee=default_payee(claim))
