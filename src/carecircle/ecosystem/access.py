"""Whose scorecard a user may read: ``Partner``'s reach for ``report`` (core.access) —
insurer staff who manage partners or read the cockpit see every partner, a partner's (or
merchant's) own users that partner only. A refusal is audited."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from carecircle.core import audit
from carecircle.core.access import Action
from carecircle.core.models import AuditLog
from carecircle.core.roles import Role
from carecircle.parties.models import Partner


def sees_all_partners(user) -> bool:
    return Partner.objects.reaches_all(user, Action.REPORT)


def is_partner_user(user) -> bool:
    return (
        getattr(user, "is_authenticated", False)
        and user.role in (Role.PARTNER_USER, Role.MERCHANT_USER)
        and bool(user.partner_id)
    )


def partner_for(user, partner_id: int) -> Partner:
    """The partner if ``user`` may see its scorecard; refused (and audited) otherwise."""
    partner = Partner.objects.restrict(user, Action.REPORT).filter(pk=partner_id).first()
    if partner is not None:
        return partner
    audit.record(
        user,
        AuditLog.Action.DENIED,
        get_object_or_404(Partner, pk=partner_id),
        summary="scorecard of another partner refused",
    )
    raise PermissionDenied("无权查看该合作伙伴 / this partner's scorecard is not yours to see")
