"""The repair shop's steps on a referral (送修), from the partner portal: it accepts the car
(接车), proposes a repair estimate for the assessor (报价; the insurer's assessment still
decides) and reports the repair done (完工), only on claims referred to it
(``selectors.shop_portal``). Each step is on the claim's timeline and in the audit log."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from carecircle.core import audit, clock, locks
from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog
from carecircle.core.money import ZERO, parse_money, to_money

from .. import rules
from ..choices import Action
from ..models import Claim
from ..selectors.shop_portal import referred_claim
from .timeline import record


def _step(claim: Claim, user, action: str, reason: str, **data: Any) -> None:
    record(claim, action, claim.status, user, reason, **data)
    audit.record(user, AuditLog.Action.UPDATE, claim, summary=f"{claim.claim_no} {action}")


def _locked(user, claim_id: int, action: str) -> Claim:
    claim = locks.lock(Claim, pk=referred_claim(user, claim_id).pk)
    if claim.repair_shop_id != user.partner_id:  # re-referred meanwhile
        raise PermissionDenied("该案件已改送其他修理厂 / referred to another shop")
    rules.check_transition(action, claim.status, claim.injury)
    if action != Action.SHOP_ACCEPT and claim.shop_accepted_at is None:
        raise DomainError(
            "not_accepted", "请先接车 / accept the referral first", "action", status=409
        )
    return claim


def accept(claim_id: int, *, acting_user, note: str = "") -> Claim:
    with transaction.atomic():
        claim = _locked(acting_user, claim_id, Action.SHOP_ACCEPT)
        if claim.shop_accepted_at is not None:
            raise DomainError(
                "already_accepted",
                "已接车 / the referral was accepted already",
                "action",
                status=409,
            )
        claim.shop_accepted_at = clock.now()
        claim.save(update_fields=["shop_accepted_at", "updated_at"])
        _step(claim, acting_user, Action.SHOP_ACCEPT, (note or "")[:255])
    return claim


def _amount(field: str, value: Any) -> Decimal:
    """An estimate line, 0 when empty; the portal's messages name the line."""
    return parse_money(
        field,
        value,
        default=ZERO,
        message=f"{field} 金额格式不正确 / not an amount",
        negative=f"{field} 不能为负 / cannot be negative",
    )


def submit_estimate(
    claim_id: int, *, acting_user, parts: Any, labour: Any, paint: Any, note: str = ""
) -> Claim:
    """A proposal for the assessor; it never sets the assessed amount itself. A later
    estimate replaces the earlier one (both stay on the timeline)."""
    lines = {"parts": _amount("parts", parts), "labour": _amount("labour", labour)}
    lines["paint"] = _amount("paint", paint)
    total = to_money(sum(lines.values()))
    if total <= 0:
        raise DomainError("estimate_empty", "报价金额须大于0 / the estimate is 0", "parts")
    with transaction.atomic():
        claim = _locked(acting_user, claim_id, Action.SHOP_ESTIMATE)
        claim.shop_estimate = {k: str(v) for k, v in lines.items()}
        claim.shop_estimate_amount = total
        claim.save(update_fields=["shop_estimate", "shop_estimate_amount", "updated_at"])
        _step(claim, acting_user, Action.SHOP_ESTIMATE, (note or "")[:255], total=total, **lines)
    return claim


def repair_done(claim_id: int, *, acting_user, note: str = "") -> Claim:
    with transaction.atomic():
        claim = _locked(acting_user, claim_id, Action.REPAIR_DONE)
        if claim.repair_done_at is not None:
            raise DomainError(
                "already_done", "已完工 / already reported done", "action", status=409
            )
        claim.repair_done_at = clock.now()
        claim.save(update_fields=["repair_done_at", "updated_at"])
        _step(claim, acting_user, Action.REPAIR_DONE, (note or "")[:255])
    return claim
