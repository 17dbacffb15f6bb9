"""Row locks on claims, taken in one place: a state change locks the claim row (and its
policy, which the step reads) for the length of its transaction."""

from __future__ import annotations

from ..models import Claim


def lock_claim(claim: Claim) -> Claim:
    """The claim re-read under ``SELECT … FOR UPDATE``; call inside ``transaction.atomic()``."""
    return Claim.objects.select_for_update().select_related("policy").get(pk=claim.pk)
