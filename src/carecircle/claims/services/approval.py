"""Approval (核赔) within the approver's authority: above it the claim is escalated to the next
level (recorded on the timeline) and the approval refused with a 403 naming the limit. Its
own function beside the workflow's table because of the authority ladder."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from carecircle.core import audit, clock
from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog
from carecircle.core.money import ZERO

from .. import rule_settings, rules
from ..choices import Action, ClaimStatus
from ..models import Claim
from .clocks import save_with_clocks
from .locks import lock_claim
from .permissions import ensure_changeable, require
from .timeline import record


@dataclass
class Outcome:
    claim: Claim
    escalated_to: str = ""


def record_approval_audit(claim: Claim, actor, amount: Decimal) -> None:
    audit.record(
        actor, AuditLog.Action.UPDATE, claim, summary=f"{claim.claim_no} approved {amount}"
    )


def approve(claim: Claim, *, acting_user, reason: str = "") -> Outcome:
    """核赔 within the approver's authority. Above it the claim is escalated to the next level
    (recorded) and the approval is refused with a 403 naming the limit and the new level.
    Both checks hold: the claim must be within the approver's subtree (``restrict`` for
    ``change``) *and* its amount within their authority — a limit never reaches another
    branch's claims."""
    require(acting_user, claim, Action.APPROVE)
    ensure_changeable(acting_user, claim)
    ladder = rule_settings.authority_ladder()
    refusal: DomainError | None = None
    with transaction.atomic():
        claim = lock_claim(claim)
        rules.check_transition(Action.APPROVE, claim.status, claim.injury)
        amount = claim.amount_approved or ZERO
        role = "manager" if acting_user.is_superuser else acting_user.role
        if not rules.may_approve(amount, role, ladder):
            target = rules.escalation_target(amount, role, ladder) or ""
            mine = next((a.limit for a in ladder if a.role == role), ZERO)
            if claim.escalated_to != target:
                claim.escalated_to = target
                save_with_clocks(claim)
                record(
                    claim,
                    Action.ESCALATE,
                    claim.status,
                    acting_user,
                    reason or f"超出核赔权限 {mine} / above the authority limit {mine}",
                    amount=amount,
                    to=target,
                )
            refusal = DomainError(
                "above_authority",
                f"赔款 {amount} 超出您的核赔权限 {mine}，已上报至 {target or '—'} / {amount} is "
                f"above your approval limit of {mine}; escalated to {target or 'nobody'}",
                "amount",
                status=403,
            )
        else:
            before = claim.status
            claim.status = ClaimStatus.APPROVED
            claim.approved_at = clock.now()
            claim.approved_by = acting_user
            claim.escalated_to = ""
            save_with_clocks(claim)
            record(claim, Action.APPROVE, before, acting_user, reason, amount=amount)
            record_approval_audit(claim, acting_user, amount)
    if refusal is not None:
        raise refusal
    return Outcome(claim)
