"""What the customer and the reviewers say about a claim: the customer's rating once it is
paid (also the shop's running rating), and a person's decision on a review flag (a confirmed
flag takes the claim off the fast track; it never rejects it by itself)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from carecircle.core import clock, locks
from carecircle.core.errors import DomainError
from carecircle.core.roles import Perm, has_perm

from ..choices import Action, ClaimStatus, FlagStatus
from ..models import Claim, ClaimFlag
from . import inputs
from .locks import lock_claim
from .permissions import is_own_customer
from .repairs import record_shop_rating
from .timeline import record


def rate(claim: Claim, score: Any, comment: str = "", *, acting_user) -> Claim:
    if not is_own_customer(acting_user, claim):
        raise PermissionDenied("只有报案客户可以评价 / only the customer may rate the claim")
    if claim.status not in (ClaimStatus.PAID, ClaimStatus.FOLLOWED_UP, ClaimStatus.CLOSED):
        raise DomainError(
            "rate_too_early",
            "赔款支付后可评价 / you can rate once the claim is paid",
            "satisfaction",
        )
    with transaction.atomic():
        claim = lock_claim(claim)
        claim.satisfaction = inputs.score(score)
        claim.customer_comment = (comment or "")[:255]
        claim.save(update_fields=["satisfaction", "customer_comment", "updated_at"])
        record(
            claim,
            Action.RATE,
            claim.status,
            acting_user,
            claim.customer_comment,
            score=claim.satisfaction,
        )
        if claim.repair_shop_id:
            record_shop_rating(claim.repair_shop_id, claim.satisfaction)
    return claim


def review_flag(flag: ClaimFlag, *, acting_user, confirmed: bool, note: str) -> ClaimFlag:
    """A person decides on a flag; a confirmed flag sends the claim to a normal review but
    never rejects it by itself."""
    if not has_perm(acting_user, Perm.HANDLE_CLAIMS):
        raise PermissionDenied("无权复核 / you may not review flags")
    note = (note or "").strip()
    if len(note) < 2:
        raise DomainError("reason_required", "请填写复核意见 / write a review note", "note")
    with transaction.atomic():
        claim = lock_claim(flag.claim)
        flag = locks.lock(ClaimFlag, pk=flag.pk)
        if flag.status != FlagStatus.OPEN:
            raise DomainError("flag_closed", "该提示已复核 / already reviewed", "flag", status=409)
        flag.status = FlagStatus.CONFIRMED if confirmed else FlagStatus.CLEARED
        flag.reviewer = acting_user
        flag.reviewed_at = clock.now()
        flag.note = note[:255]
        flag.save()
        if confirmed and claim.fast_track:
            claim.fast_track = False
            claim.save(update_fields=["fast_track", "updated_at"])
        record(
            claim,
            Action.CLEAR_FLAG,
            claim.status,
            acting_user,
            note,
            code=flag.code,
            confirmed=confirmed,
        )
    return flag
