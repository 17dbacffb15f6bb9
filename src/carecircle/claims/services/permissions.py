"""Who may act on a claim: claims staff for the workflow, approvers for the approver-only steps
(``rules.STEPS``), the claim's own customer for their few steps — and only on a claim within
the actor's reach (``Claim.objects.restrict``)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from carecircle.core.access import Action as Access
from carecircle.core.roles import Perm, has_perm

from .. import rules
from ..choices import Action
from ..models import Claim

CUSTOMER_ACTIONS = frozenset(
    {Action.REFER, Action.ACCEPT_OFFER, Action.WITHDRAW, Action.DOCUMENTS_COMPLETE}
)


def is_own_customer(user, claim: Claim) -> bool:
    return bool(getattr(user, "customer_id", None)) and user.customer_id == claim.policy.customer_id


def require(user, claim: Claim, action: str) -> None:
    """Refuse (403) an actor who may not take ``action`` on ``claim``."""
    step = rules.STEPS.get(action)
    if step is not None and step.approver_only:
        if not has_perm(user, Perm.APPROVE_CLAIMS):
            raise PermissionDenied("只有核赔人可以执行 / only claims approvers may do this")
        return
    if has_perm(user, Perm.HANDLE_CLAIMS):
        return
    if action in CUSTOMER_ACTIONS and is_own_customer(user, claim):
        return
    raise PermissionDenied("无权处理该赔案 / you are not allowed to handle this claim")


def ensure_visible(user, claim: Claim) -> None:
    """Refuse (403) a claim outside the actor's reach."""
    if not Claim.objects.restrict(user).filter(pk=claim.pk).exists():
        raise PermissionDenied("无权访问该赔案 / this claim is outside your access")


def ensure_changeable(user, claim: Claim) -> None:
    """Refuse (403) a claim the actor may not act on: claims staff act on their unit's subtree
    (``Claim``'s reach for ``change``), whatever their authority limit."""
    if not Claim.objects.restrict(user, Access.CHANGE).filter(pk=claim.pk).exists():
        raise PermissionDenied("该赔案不在您的机构范围内 / this claim is outside your unit")
