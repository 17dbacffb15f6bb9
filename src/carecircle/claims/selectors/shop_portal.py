"""Reads for the repair shop's partner portal (送修): a repair or 4S shop user sees only the
claims referred to their own shop, whoever the customer is. The rows come from the one access
rule: a claim reaches a shop for ``change`` through its ``repair_shop`` (``ClaimQuerySet``)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from carecircle.core.access import Action
from carecircle.core.roles import Role
from carecircle.parties.models import Partner

from ..models import Claim

SHOP_KINDS = ("repair_shop", "four_s_shop")


def shop_id_for(user) -> int:
    """The shop a partner user works for; anyone else is refused (403)."""
    partner_id = getattr(user, "partner_id", None)
    if (
        getattr(user, "is_authenticated", False)
        and user.is_active
        and getattr(user, "role", "") == Role.PARTNER_USER
        and partner_id
        and Partner.objects.filter(pk=partner_id, kind__in=SHOP_KINDS).exists()
    ):
        return partner_id
    raise PermissionDenied("修理厂/4S店用户使用 / for repair-shop and 4S-shop users")


def referred_claims(user) -> QuerySet[Claim]:
    """Only the claims referred to the user's own shop, whoever the customer is."""
    shop_id_for(user)
    return (
        Claim.objects.restrict(user, Action.CHANGE)
        .select_related("vehicle", "policy__customer")
        .order_by("-reported_at", "-pk")
    )


def referred_claim(user, claim_id: int) -> Claim:
    """Raises Claim.DoesNotExist (404) for a claim of another shop: no hint it exists."""
    return referred_claims(user).get(pk=claim_id)
