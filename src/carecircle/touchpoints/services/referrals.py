"""Referrals (转介绍, word of mouth): who referred whom, recorded by staff, and what came of it.
A referral is also a brand contact on the referrer's timeline."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from carecircle.core import audit, clock, locks, pii
from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog
from carecircle.parties.models import Customer
from carecircle.parties.services import require_visible

from ..choices import ContactType, ReferralStatus
from ..models import Interaction, Referral


def record_referral(
    referrer: Customer,
    *,
    acting_user: Any,
    referred_name: str,
    referred_phone: str = "",
    partner=None,
) -> Referral:
    if not getattr(acting_user, "is_insurer_staff", False):
        raise DomainError(
            "staff_only", "仅员工可登记推荐 / staff record referrals", None, status=403
        )
    require_visible(referrer, acting_user)
    if not referred_name.strip():
        raise DomainError("name_required", "请填写被推荐人 / who was referred?", "referred_name")
    with transaction.atomic():
        referral = Referral.objects.create(
            referrer=referrer,
            referred_name=referred_name.strip()[:64],
            referred_phone_masked=pii.mask_phone(referred_phone) if referred_phone else "",
            partner=partner,
            staff=acting_user,
            recorded_at=clock.now(),
        )
        Interaction.objects.create(
            customer=referrer,
            contact_type=ContactType.BRAND,
            medium="visit",
            direction="inbound",
            occurred_at=referral.recorded_at,
            staff=acting_user,
            partner=partner,
            summary=f"转介绍 / referred {pii.mask_name(referral.referred_name)}",
            outcome="informed",
            source="referral",
        )
        audit.record(acting_user, AuditLog.Action.CREATE, referral, summary="referral")
        return referral


OUTCOME_FLOW = {
    ReferralStatus.RECORDED: {
        ReferralStatus.CONTACTED,
        ReferralStatus.QUOTED,
        ReferralStatus.WON,
        ReferralStatus.LOST,
    },
    ReferralStatus.CONTACTED: {ReferralStatus.QUOTED, ReferralStatus.WON, ReferralStatus.LOST},
    ReferralStatus.QUOTED: {ReferralStatus.WON, ReferralStatus.LOST},
}


def referral_outcome(
    referral: Referral, *, acting_user: Any, status: str, referred=None, policy=None
) -> Referral:
    """Move a referral on; a won referral names the new customer and policy."""
    if not getattr(acting_user, "is_insurer_staff", False):
        raise DomainError("staff_only", "仅员工 / staff only", None, status=403)
    with transaction.atomic():
        locked = locks.lock(Referral, pk=referral.pk)
        if status not in OUTCOME_FLOW.get(ReferralStatus(locked.status), set()):
            raise DomainError(
                "transition_not_allowed",
                f"不能从{locked.status}到{status} / cannot go from {locked.status} to {status}",
                "status",
                status=409,
            )
        if status == ReferralStatus.WON and policy is None:
            raise DomainError(
                "policy_required", "成交须关联保单 / a won referral names the policy", "policy"
            )
        before = locked.status
        locked.status = status
        locked.referred = referred or (policy.customer if policy is not None else locked.referred)
        locked.policy = policy or locked.policy
        locked.outcome_at = clock.now()
        locked.save()
        audit.record(
            acting_user, AuditLog.Action.UPDATE, locked, changes={"status": [before, status]}
        )
        return locked
