"""The underwriting referral queue (核保, #16): underwriters — and managers, who hold every
permission — reach the referrals of their unit's subtree (the renewal's unit); everyone else
is refused (403) before any lookup, so no role learns whether a referral exists."""

from __future__ import annotations

from ..routes import (
    GET,
    HO,
    MANAGER,
    POST,
    Check,
    allow,
    api,
    api_scoped,
    obj,
    pk_of,
    scoped,
    seen_by,
)
from ..world import UNDERWRITER

DECIDERS = (UNDERWRITER, MANAGER, HO)

ROUTES: dict[str, list[Check]] = {
    "renewals/underwriting/": [
        Check(
            GET,
            allow(200, *DECIDERS),
            query={"status": "all"},
            shows=(lambda w, s: f'data-referral="{s.referral.pk}"', seen_by(*DECIDERS)),
        )
    ],
    "renewals/underwriting/<int:pk>/": [
        Check(GET, scoped(200, *DECIDERS, other=403), args=obj("pk", "referral"))
    ],
    "renewals/underwriting/<int:pk>/decide/": [
        Check(
            POST,
            scoped(302, *DECIDERS, other=403),
            args=obj("pk", "referral"),
            why="an empty form: the decider is sent back to the page, nothing decided",
        ),
        Check(GET, allow(405, *DECIDERS, other=405), args=obj("pk", "referral")),
    ],
    "GET api/underwriting/referrals": [
        Check(
            GET,
            api(403, **dict.fromkeys(DECIDERS, 200)),
            listed=(pk_of("referral"), seen_by(*DECIDERS)),
        )
    ],
    "POST api/underwriting/referrals/{referral_id}/decision": [
        Check(
            POST,
            api_scoped(400, *DECIDERS, other=403),
            args=obj("referral_id", "referral"),
            data={"accept": False},
            why="a decline without a reason: 400 in scope, nothing decided",
        )
    ],
}
