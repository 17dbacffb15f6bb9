"""Reserves, recoveries and the reserve report (#16, ADR 0015): claims staff (handlers,
approvers, managers) revise reserves and record recoveries on the claims of their unit's
subtree; only approvers (and managers) decide a revision above a handler's limit; the report
is for those who read the claims report. Everyone else is refused (403) before any lookup."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from carecircle.claims.models import ReserveChange

from ..routes import (
    APPROVER,
    GET,
    HANDLER,
    HO,
    MANAGER,
    POST,
    SERVICE,
    Check,
    allow,
    api,
    api_scoped,
    obj,
    scoped,
)

CLAIMS_STAFF = (HANDLER, APPROVER, MANAGER, HO)
DECIDERS = (APPROVER, MANAGER, HO)


def _change(w: Any, s: Any, r: str) -> dict[str, Any]:
    """The side's claim's one pending revision (made once, kept in the world)."""
    change, _ = ReserveChange.objects.get_or_create(
        claim=s.claim,
        reason="authz",
        defaults={
            "coverage": s.claim.coverage,
            "balance_before": Decimal("0.00"),
            "new_balance": Decimal("90000.00"),
            "requested_at": s.claim.reported_at,
        },
    )
    return {"change_id": change.pk}


ROUTES: dict[str, list[Check]] = {
    "claims/<int:claim_id>/reserves/": [
        Check(
            POST,
            scoped(400, *CLAIMS_STAFF, other=403),
            args=obj("claim_id", "claim"),
            why="an empty form: a revision needs a reason (400 in scope), nothing moves",
        ),
        Check(GET, allow(405, other=405, anon=405), args=obj("claim_id", "claim")),
    ],
    "claims/<int:claim_id>/recoveries/": [
        Check(
            POST,
            scoped(400, *CLAIMS_STAFF, other=403),
            args=obj("claim_id", "claim"),
            why="no step named: 400 in scope, nothing recorded",
        ),
    ],
    "claims/reserve-changes/": [Check(GET, allow(200, *DECIDERS))],
    "claims/reserve-changes/<int:change_id>/decide/": [
        Check(
            POST,
            scoped(302, *DECIDERS, other=403),
            args=_change,
            why="declined (the write is undone): the approver is sent back to the claim",
        ),
    ],
    "GET api/claims/{claim_id}/reserves": [
        Check(GET, api_scoped(200, *CLAIMS_STAFF, other=403), args=obj("claim_id", "claim")),
    ],
    "POST api/claims/{claim_id}/reserves": [
        Check(
            POST,
            api_scoped(400, *CLAIMS_STAFF, other=403),
            args=obj("claim_id", "claim"),
            data={"new_balance": "1.00", "reason": " "},
            why="a blank reason: 400 in scope, nothing moves",
        )
    ],
    "POST api/claims/reserve-changes/{change_id}": [
        Check(
            POST,
            api_scoped(200, *DECIDERS, other=403),
            args=_change,
            data={"approve": False, "note": "authz"},
        )
    ],
    "GET api/claims/{claim_id}/recoveries": [
        Check(GET, api_scoped(200, *CLAIMS_STAFF, other=403), args=obj("claim_id", "claim")),
    ],
    "POST api/claims/{claim_id}/recoveries": [
        Check(
            POST,
            api_scoped(400, *CLAIMS_STAFF, other=403),
            args=obj("claim_id", "claim"),
            data={"kind": "subrogation"},
            why="no party named: 400 in scope, nothing recorded",
        )
    ],
    "GET api/claims-reserves": [
        Check(
            GET,
            api(403, **dict.fromkeys((*DECIDERS, SERVICE), 200)),
            query={"as_of": "2026-12-31"},
        )
    ],
}
