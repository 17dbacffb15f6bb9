"""Who sees which partner's scorecard: insurer staff who manage partners or view the cockpit
see every partner; a partner's (or merchant's) own users see that partner only."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from carecircle.core import audit
from carecircle.core.models import AuditLog
from carecircle.core.roles import Perm, Role, has_perm
from carecircle.parties.models import Partner


def sees_all_partners(user) -> bool:
    return has_perm(user, Perm.MANAGE_PARTNERS) or has_perm(user, Perm.VIEW_COCKPIT)


def is_partner_user(user) -> bool:
    return (
        getattr(user, "is_authenticated", False)
        and user.role in (Role.PARTNER_USER, Role.MERCHANT_USER)
        and bool(user.partner_id)
    )


def partner_for(user, partner_id: int) -> Partner:
    """The partner if ``user`` may see its scorecard; refused (and audited) otherwise."""
    partner = get_object_or_404(Partner, pk=partner_id)
    if sees_all_partners(user) or (is_partner_user(user) and user.partner_id == partner.pk):
        return partner
    audit.record(
        user,
        AuditLog.Action.DENIED,
        partner,
        summary="scorecard of another partner refused",
    )
    raise PermissionDenied("无权查看该合作伙伴 / this partner's scorecard is not yours to see")
