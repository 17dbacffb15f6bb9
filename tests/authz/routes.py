"""The authorization matrix's one table: every URL pattern and API operation, who may reach it
and with whose objects.

A row is a list of ``Check``s (one per method asked). A check names the outcome per role
(``world.ROLES``): one status for a route without objects, or ``(own, foreign)`` — the status
with side A's object (the role's own: its customer, its shop's claim, its merchant's
statement …) and with side B's (another unit's, another team's, another shop's). ``args``
fills the URL from a side; ``data`` is the body (a form for pages, JSON for the API); both may
depend on the role. ``listed`` (JSON lists) and ``shows`` (HTML) check the rows a page or list
returns: own rows appear, foreign rows do not.

POSTs are sent dry where a write would be hard to undo or would hide the answer (an empty or
invalid form: the permitted role gets 200/302/400/409/422, never 403/404); otherwise the write
happens inside a savepoint undone right after the request, so every request meets the same
world. ``pending`` marks a row whose *correct* outcome is declared but whose code belongs to
another change in flight: the failure is reported as an expected failure with the reason, and
the row fails once it passes (remove the mark then).

Admin pages are one declaration (``ADMIN``): Django's admin is for ``is_staff`` users only,
and no role of the matrix is one, so every admin URL redirects to the admin login.

Enumeration: ``page_routes()`` walks ``get_resolver()``; ``api_operations()`` reads the ninja
API's OpenAPI schema (each path × method). ``undeclared()`` is what the matrix test prints.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

from carecircle.api.api import api as ninja_api

from .world import (
    AGENT,
    ANON,
    APPROVER,
    CUSTOMER,
    HANDLER,
    HO,
    LEADER,
    MANAGER,
    MERCHANT,
    ROLES,
    SEAT,
    SERVICE,
    SHOP,
    UNDERWRITER,
    Side,
    World,
)

Outcome = int | tuple[int, int]
Fill = Callable[[World, Side, str], dict[str, Any]]

GET, POST, PATCH = "GET", "POST", "PATCH"


@dataclass(frozen=True)
class Check:
    method: str
    expect: Mapping[str, Outcome]
    args: Fill | None = None
    data: Fill | dict[str, Any] | None = None
    query: Fill | dict[str, Any] | None = None
    # (the id of a side's row, role → (own row listed, foreign row listed)) for JSON lists
    listed: tuple[Callable[[World, Side], int], Mapping[str, tuple[bool, bool]]] | None = None
    # (a text only a side's row shows, role → (own shown, foreign shown)) for HTML pages
    shows: tuple[Callable[[World, Side], str], Mapping[str, tuple[bool, bool]]] | None = None
    pending: str = ""
    why: str = ""
    # The roles asked (default: every role). Only for an answer that cannot depend on who asks
    # (a static document), where asking all twelve would only cost time.
    asked: tuple[str, ...] = ROLES

    @property
    def two_sided(self) -> bool:
        return (
            any(isinstance(v, tuple) for v in self.expect.values())
            or callable(self.args)
            or callable(self.data)
            or callable(self.query)
            or self.listed is not None
            or self.shows is not None
        )


# ---- expectations ----------------------------------------------------------------------------

STAFF = (SEAT, LEADER, AGENT, MANAGER, SERVICE, HANDLER, APPROVER, UNDERWRITER, HO)
# Who reaches customer A's rows by the one rule: the customer, the seat owning them and the
# team's leader, the agent who sold the policy, unit-A staff with a whole-book role, the shop
# that brought the policy (and repairs the claim). The head-office manager reaches both sides.
SEES_A = (CUSTOMER, SEAT, LEADER, AGENT, MANAGER, SERVICE, HANDLER, APPROVER, UNDERWRITER, HO, SHOP)


def roles(default: Outcome, *, anon: Outcome = 302, **given: Outcome) -> dict[str, Outcome]:
    out: dict[str, Outcome] = dict.fromkeys(ROLES, default)
    out[ANON] = anon
    for role, outcome in given.items():
        assert role in ROLES, role
        out[role] = outcome
    return out


def allow(ok: Outcome, *who: str, other: Outcome = 403, anon: Outcome = 302, **given) -> dict:
    """``who`` get ``ok``; every other logged-in role ``other``; anonymous ``anon``."""
    return roles(other, anon=anon, **dict.fromkeys(who, ok), **given)


def scoped(
    ok: int, *who: str, other: Outcome = 404, miss: int = 404, anon: Outcome = 302, **given
) -> dict:
    """``who`` reach their own (side A) object with ``ok`` and a foreign one not (``miss``);
    the head-office manager, when among them, reaches both; anyone else gets ``other``."""
    out = roles(other, anon=anon)
    for role in who:
        out[role] = (ok, ok) if role == HO else (ok, miss)
    for role, outcome in given.items():
        assert role in ROLES, role
        out[role] = outcome
    return out


def refused(*who: str, code: int = 403) -> dict[str, tuple[int, int]]:
    """``who`` reach the own object but may not do this (``code``); a foreign one is a 404
    (the head-office manager reaches both)."""
    return {r: (code, code) if r == HO else (code, 404) for r in who}


def seen_by(*who: str, **given: tuple[bool, bool]) -> dict[str, tuple[bool, bool]]:
    out = {r: (False, False) for r in ROLES}
    for role in who:
        out[role] = (True, True) if role == HO else (True, False)
    out.update(given)
    return out


def obj(param: str, attr: str) -> Fill:
    """The URL argument ``param`` = the side's ``attr`` primary key."""
    return lambda w, s, r: {param: getattr(s, attr).pk}


def partner_of(param: str) -> Fill:
    """A partner's page: a merchant user's own partner is its merchant, everyone else's the
    side's 4S shop."""
    return lambda w, s, r: {param: (s.merchant if r == MERCHANT else s.shop).pk}


def customer_no(w: World, s: Side) -> str:
    return s.customer.customer_no


def pk_of(attr: str) -> Callable[[World, Side], int]:
    return lambda w, s: getattr(s, attr).pk


# ---- the table ------------------------------------------------------------------------------

ROUTES: dict[str, list[Check]] = {
    # -- the shell ---------------------------------------------------------------------------
    "healthz": [Check(GET, roles(200, anon=200))],
    "accounts/login/": [Check(GET, roles(200, anon=200))],
    "accounts/logout/": [Check(GET, roles(405, anon=405), why="logout is POST only")],
    "i18n/setlang/": [Check(POST, roles(302, anon=302), data={"language": "zh-hans", "next": "/"})],
    "api/openapi.json": [
        Check(GET, roles(200, anon=200), asked=(ANON, CUSTOMER, HO), why="the schema is public")
    ],
    "api/docs": [Check(GET, roles(200, anon=200), asked=(ANON, CUSTOMER, HO))],
    "api/": [Check(GET, roles(404, anon=404), why="no API home page")],
    "": [Check(GET, roles(200))],
    "customers/": [
        Check(GET, roles(200)),
        Check(
            POST,
            roles(200),
            data=lambda w, s, r: {"q": s.customer.customer_no},
            shows=(lambda w, s: f'href="/customers/{s.customer.pk}/"', seen_by(*SEES_A)),
            why="the search box posts (#21: no search term in a URL); GET ?q= is refused 400",
        ),
        Check(GET, roles(400), query=lambda w, s, r: {"q": s.customer.customer_no}),
    ],
    "customers/<int:customer_id>/": [
        Check(GET, scoped(200, *SEES_A), args=obj("customer_id", "customer"))
    ],
    "customers/<int:customer_id>/reveal/<slug:field>/": [
        Check(
            POST,
            scoped(200, *STAFF, **refused(CUSTOMER, SHOP, UNDERWRITER)),
            args=lambda w, s, r: {"customer_id": s.customer.pk, "field": "phone"},
            why="reveal needs the reveal permission and the customer in scope",
        ),
        Check(
            GET,
            roles(405, anon=405),
            args=lambda w, s, r: {"customer_id": s.customer.pk, "field": "phone"},
        ),
    ],
    "value/": [Check(GET, allow(200, *STAFF))],
    # -- value --------------------------------------------------------------------------------
    "value/reviews/": [Check(GET, allow(200, *STAFF), shows=(customer_no, seen_by(*STAFF)))],
    "value/reviews/<int:review_id>/decide/": [
        Check(
            POST,
            scoped(302, MANAGER, SERVICE, HO, other=403),
            args=obj("review_id", "review"),
            data={"decision": "approve", "note": "复核 / reviewed"},
            why="deciding needs decide-tiers and the customer in scope",
        )
    ],
    "value/lists/": [Check(GET, allow(200, *STAFF), shows=(customer_no, seen_by(*STAFF)))],
    "value/lists/<int:entry_id>/<slug:action>/": [
        Check(
            POST,
            scoped(302, MANAGER, SERVICE, HO, other=403),
            args=lambda w, s, r: {"entry_id": s.entry.pk, "action": "reject"},
            data={"note": "不列入 / not listed"},
            why="deciding needs decide-lists and the customer in scope",
        )
    ],
    "value/models/": [Check(GET, allow(200, MANAGER, SERVICE, HO))],
    "value/models/<int:version_id>/": [
        Check(
            GET,
            allow(200, MANAGER, SERVICE, HO),
            args=lambda w, s, r: {"version_id": w.model_version.pk},
        )
    ],
    # -- renewals -----------------------------------------------------------------------------
    "renewals/": [Check(GET, allow(200, SEAT, LEADER, AGENT, MANAGER, HO))],
    "renewals/task/<int:pk>/": [
        Check(
            GET,
            scoped(200, SEAT, LEADER, MANAGER, HO, other=403, agent=(403, 404)),
            args=obj("pk", "task"),
            why="a seat works its own task, the leader its team's, supervisors their subtree; "
            "an agent sees the customer but the task is the seat's",
        )
    ],
    **{
        f"renewals/task/<int:pk>/{step}/": [
            Check(
                POST,
                scoped(302, SEAT, LEADER, AGENT, MANAGER, HO, other=403),
                args=obj("pk", "task"),
                data=body,
                why="refusals of a visible task come back as a message on the task page (302)",
            )
        ]
        for step, body in (
            ("call", {}),
            ("quote", {"pricing_coefficient": "x"}),
            ("outcome", {}),
            ("proposal", {}),
        )
    },
    "renewals/pipeline/": [
        Check(GET, allow(200, LEADER, MANAGER, HO)),
        Check(POST, allow(302, LEADER, MANAGER, HO), data={"action": "reassign"}),
    ],
    "renewals/cti/events/": [
        Check(POST, roles(401, anon=401), data={}, why="the CTI platform's shared token"),
        Check(GET, roles(405, anon=405)),
    ],
    **{
        f"renewals/supervise/{page}": [
            Check(
                GET,
                allow(200, LEADER, MANAGER, HO),
                why="supervisors supervise their subtree's renewals, a leader the team's",
            )
        ]
        for page in ("", "why-lost/", "overdue/", "export.xlsx")
    },
    # -- payment links (the token is the credential) -----------------------------------------
    "pay/notify/<str:gateway_name>/": [
        Check(
            POST,
            roles(400, anon=400),
            args=lambda w, s, r: {"gateway_name": "simulator"},
            data={},
            why="the gateway's signature, whoever posts",
        ),
    ],
    "pay/simulator/<str:reference>/": [
        Check(
            GET,
            roles(200, anon=200),
            args=lambda w, s, r: {"reference": s.order.reference},
        ),
        Check(GET, roles(404, anon=404), args=lambda w, s, r: {"reference": "FORGED"}),
    ],
    "pay/<str:token>/": [
        Check(GET, roles(200, anon=200), args=lambda w, s, r: {"token": s.proposal.pay_token}),
        Check(GET, roles(404, anon=404), args=lambda w, s, r: {"token": "forged"}),
    ],
    "pay/<str:token>/done/": [
        Check(GET, roles(200, anon=200), args=lambda w, s, r: {"token": s.proposal.pay_token}),
        Check(GET, roles(404, anon=404), args=lambda w, s, r: {"token": "forged"}),
    ],
    # -- claims -------------------------------------------------------------------------------
    "claims/": [
        Check(
            GET,
            allow(200, HANDLER, APPROVER, MANAGER, HO),
            query={"view": "all"},
            shows=(
                lambda w, s: s.claim.claim_no,
                seen_by(HANDLER, APPROVER, MANAGER, HO),
            ),
        )
    ],
    "claims/<int:claim_id>/": [
        Check(
            GET,
            scoped(200, HANDLER, APPROVER, MANAGER, HO, other=403),
            args=obj("claim_id", "claim"),
        )
    ],
    "claims/<int:claim_id>/act/": [
        Check(
            POST,
            scoped(400, HANDLER, APPROVER, MANAGER, HO, other=403),
            args=obj("claim_id", "claim"),
            data={"action": ""},
        )
    ],
    "claims/approvals/": [Check(GET, allow(200, APPROVER, MANAGER, HO))],
    "claims/dashboard/": [Check(GET, allow(200, APPROVER, MANAGER, SERVICE, HO))],
    "claims/reports/": [Check(GET, allow(200, APPROVER, MANAGER, SERVICE, HO))],
    "claims/calendar/": [Check(GET, allow(200, APPROVER, MANAGER, SERVICE, HO))],
    "claims/documents/<int:document_id>/": [
        Check(
            GET,
            scoped(200, *SEES_A),
            args=obj("document_id", "document"),
            why="scoped like the claim: its customer's reach, its unit, the shop it was sent to",
        )
    ],
    "claims/my/": [Check(GET, allow(200, CUSTOMER))],
    "claims/my/report/": [
        Check(GET, allow(200, CUSTOMER)),
        Check(POST, allow(400, CUSTOMER), data={}),
    ],
    "claims/my/<int:claim_id>/": [
        Check(GET, scoped(200, CUSTOMER, other=403), args=obj("claim_id", "claim")),
        Check(
            POST, scoped(400, CUSTOMER, other=403), args=obj("claim_id", "claim"), data={"what": ""}
        ),
    ],
    "claims/calculator/": [
        Check(GET, roles(200), query=lambda w, s, r: {"customer": s.customer.pk}),
    ],
    "claims/repairs/book/": [
        Check(
            POST,
            scoped(400, CUSTOMER, HANDLER, APPROVER, MANAGER, HO, other=403),
            data=lambda w, s, r: {"policy": s.policy.pk, "shop": ""},
        )
    ],
    "claims/repairs/<int:service_id>/": [
        Check(GET, scoped(200, *SEES_A), args=obj("service_id", "repair"))
    ],
    "claims/shop/": [
        Check(
            GET,
            allow(200, SHOP),
            shows=(lambda w, s: s.claim.claim_no, seen_by(SHOP)),
        )
    ],
    "claims/shop/<int:claim_id>/": [
        Check(GET, scoped(200, SHOP, other=403), args=obj("claim_id", "claim")),
        Check(POST, scoped(400, SHOP, other=403), args=obj("claim_id", "claim"), data={"what": ""}),
    ],
    # -- alliance -----------------------------------------------------------------------------
    "alliance/": [
        Check(
            GET,
            allow(302, MANAGER, SERVICE, HO, MERCHANT, CUSTOMER, SEAT, LEADER, AGENT),
            why="each role lands on its own alliance page",
        )
    ],
    "alliance/dashboard/": [Check(GET, allow(200, MANAGER, SERVICE, HO))],
    "alliance/catalogue/": [Check(GET, allow(200, *STAFF))],
    "alliance/packages/": [Check(GET, allow(200, MANAGER, SERVICE, HO))],
    "alliance/issue/": [
        Check(GET, allow(200, SEAT, LEADER, AGENT, MANAGER, SERVICE, HO)),
        Check(
            POST,
            allow(200, SEAT, LEADER, AGENT, MANAGER, SERVICE, HO),
            data=lambda w, s, r: {"customer_no": s.customer.customer_no, "product": ""},
            why="a customer outside the scope reads as not found",
        ),
    ],
    "alliance/issue/run/": [Check(POST, allow(200, MANAGER, SERVICE, HO))],
    "alliance/merchant/": [Check(GET, allow(200, MERCHANT))],
    "alliance/merchant/redeem/": [Check(POST, allow(409, MERCHANT), data={"code": ""})],
    "alliance/merchant/today/": [Check(GET, allow(200, MERCHANT, MANAGER, HO))],
    "alliance/redemptions/<int:redemption_id>/reverse/": [
        Check(
            POST,
            scoped(302, MERCHANT, other=403, manager=(403, 404), ho=(403, 403)),
            args=obj("redemption_id", "redemption"),
            data={"reason": ""},
        )
    ],
    "alliance/bookings/<int:booking_id>/mark/": [
        Check(
            POST,
            scoped(302, MERCHANT, other=403, manager=(403, 404), ho=(403, 403)),
            args=obj("booking_id", "booking"),
            data={"status": ""},
        )
    ],
    "alliance/statements/": [Check(GET, allow(200, MANAGER, SERVICE, HO, MERCHANT))],
    "alliance/statements/build/": [
        Check(POST, allow(400, MANAGER, SERVICE, HO), data={"month": ""})
    ],
    "alliance/statements/<int:statement_id>/": [
        Check(
            GET,
            scoped(200, MERCHANT, manager=200, service=200, ho=200),
            args=obj("statement_id", "statement"),
        )
    ],
    "alliance/statements/<int:statement_id>/export.<str:fmt>": [
        Check(
            GET,
            scoped(200, MERCHANT, manager=200, service=200, ho=200),
            args=lambda w, s, r: {"statement_id": s.statement.pk, "fmt": "csv"},
        )
    ],
    "alliance/statements/<int:statement_id>/<slug:action>/": [
        Check(
            POST,
            scoped(302, MERCHANT, manager=403, service=403, ho=403),
            args=lambda w, s, r: {"statement_id": s.statement.pk, "action": "dispute"},
            data={"reason": ""},
            why="the merchant disputes its own statement; staff may not dispute",
        )
    ],
    "alliance/my/": [Check(GET, allow(200, CUSTOMER))],
    "alliance/my/vouchers/<int:voucher_id>/book/": [
        Check(
            POST,
            scoped(
                302,
                CUSTOMER,
                SEAT,
                LEADER,
                AGENT,
                MANAGER,
                SERVICE,
                HO,
                **refused(HANDLER, APPROVER, UNDERWRITER),
            ),
            args=obj("voucher_id", "voucher"),
            data=lambda w, s, r: {"location": s.location.pk, "day": "2026-03-10"},
            why="the customer books, or an issuer for a customer in scope",
        )
    ],
    "alliance/my/vouchers/<int:voucher_id>/qr.<str:fmt>": [
        Check(
            GET,
            scoped(200, CUSTOMER),
            args=lambda w, s, r: {"voucher_id": s.voucher.pk, "fmt": "png"},
            why="the QR holds a live code: its owner only",
        )
    ],
    "alliance/my/redemptions/<int:redemption_id>/rate/": [
        Check(
            POST,
            scoped(302, CUSTOMER, **refused(*STAFF, MERCHANT)),
            args=obj("redemption_id", "redemption"),
            data={"stars": "5"},
            why="only the customer rates; whoever else sees the redemption is refused",
        )
    ],
    # -- ecosystem ----------------------------------------------------------------------------
    "ecosystem/": [Check(GET, allow(200, MANAGER, SERVICE, HO))],
    "ecosystem/cockpit.csv": [Check(GET, allow(200, MANAGER, SERVICE, HO))],
    "ecosystem/health/": [Check(GET, allow(200, MANAGER, SERVICE, HO))],
    "ecosystem/portal/": [Check(GET, allow(302, MANAGER, SERVICE, HO, SHOP, MERCHANT))],
    "ecosystem/partners/": [Check(GET, allow(200, MANAGER, SERVICE, HO))],
    "ecosystem/partners/<int:partner_id>/": [
        Check(
            GET,
            scoped(200, SHOP, MERCHANT, miss=403, other=403, manager=200, service=200, ho=200),
            args=partner_of("partner_id"),
        )
    ],
    "ecosystem/partners/<int:partner_id>/<slug:what>/": [
        Check(
            GET,
            scoped(200, SHOP, MERCHANT, miss=403, other=403, manager=200, service=200, ho=200),
            args=lambda w, s, r: {**partner_of("partner_id")(w, s, r), "what": "policies"},
        )
    ],
    "ecosystem/reminders/": [
        Check(GET, allow(200, MANAGER, SERVICE, HO)),
        Check(POST, allow(400, MANAGER, SERVICE, HO), data={}),
    ],
    "ecosystem/reminders/run/": [Check(POST, allow(302, MANAGER, SERVICE, HO))],
    "ecosystem/complaints/": [
        Check(
            GET,
            allow(200, MANAGER, SERVICE, HO),
            query={"status": "all"},
            shows=(lambda w, s: s.complaint.complaint_no, seen_by(MANAGER, SERVICE, HO)),
        )
    ],
    "ecosystem/complaints/new/": [
        Check(GET, allow(200, *STAFF)),
        Check(POST, allow(200, *STAFF), data={}),
    ],
    "ecosystem/my/complaints/": [Check(GET, allow(200, CUSTOMER))],
    "ecosystem/complaints/<int:complaint_id>/": [
        Check(
            GET,
            scoped(200, CUSTOMER, MANAGER, SERVICE, HO, other=403),
            args=obj("complaint_id", "complaint"),
        )
    ],
    "ecosystem/complaints/<int:complaint_id>/<slug:action>/": [
        Check(
            POST,
            scoped(400, CUSTOMER, MANAGER, SERVICE, HO, other=403),
            args=lambda w, s, r: {"complaint_id": s.complaint.pk, "action": "nonsense"},
        )
    ],
    "ecosystem/s/<str:token>/": [
        Check(GET, roles(200, anon=200), args=lambda w, s, r: {"token": s.survey_token}),
        Check(GET, roles(404, anon=404), args=lambda w, s, r: {"token": "forged"}),
    ],
    "ecosystem/surveys/": [Check(GET, allow(200, MANAGER, SERVICE, HO))],
    # -- notify -------------------------------------------------------------------------------
    "notify/": [Check(GET, allow(200, MANAGER, SERVICE, HO))],
    "notify/letters/": [Check(GET, allow(200, MANAGER, SERVICE, HO, HANDLER, APPROVER))],
    "notify/letters/<int:pk>/posted/": [
        Check(
            POST,
            scoped(400, MANAGER, SERVICE, HO, HANDLER, APPROVER, other=403),
            args=obj("pk", "letter"),
            data={"tracking_no": ""},
        )
    ],
    "notify/u/<str:token>/": [
        Check(GET, roles(200, anon=200), args=lambda w, s, r: {"token": s.unsubscribe_token}),
        Check(POST, roles(200, anon=200), args=lambda w, s, r: {"token": s.unsubscribe_token}),
        Check(GET, roles(404, anon=404), args=lambda w, s, r: {"token": "forged"}),
    ],
    # -- endorsements (批改: 过户) ------------------------------------------------------------
    "policies/vehicles/<int:vehicle_id>/transfer/": [
        Check(GET, scoped(200, AGENT, MANAGER, HO, other=403), args=obj("vehicle_id", "vehicle")),
        Check(
            POST,
            scoped(200, AGENT, MANAGER, HO, other=403),
            args=obj("vehicle_id", "vehicle"),
            data={},
            why="edit-policies and the car in scope; an empty form is shown again",
        ),
    ],
    "policies/transfers/<int:transfer_id>/": [
        Check(GET, scoped(200, AGENT, MANAGER, HO, other=403), args=obj("transfer_id", "transfer"))
    ],
    # -- consents (PIPL Art 23) ---------------------------------------------------------------
    "consents/my/": [
        Check(GET, allow(200, CUSTOMER)),
        Check(POST, allow(400, CUSTOMER), data={}, why="neither grant nor withdraw: refused"),
    ],
    "consents/customers/<int:customer_id>/": [
        Check(
            GET,
            scoped(200, *STAFF),
            args=obj("customer_id", "customer"),
            why="staff, for a customer in scope; 404 for anyone else",
        )
    ],
    # -- the customer's rights (PIPL Arts 24, 44–47) -----------------------------------------
    "privacy/my/": [Check(GET, allow(200, CUSTOMER))],
    "privacy/my/request/": [Check(POST, allow(400, CUSTOMER), data={"kind": "correction"})],
    "privacy/my/exports/<int:export_id>/": [
        Check(
            GET,
            scoped(410, CUSTOMER, other=403),
            args=obj("export_id", "export"),
            why="the customer's own copy only (not ready yet: 410); staff never download it",
        )
    ],
    "privacy/queue/": [
        Check(
            GET,
            allow(200, MANAGER, SERVICE, HO),
            query={"status": "open"},
            shows=(
                lambda w, s: f"/privacy/requests/{s.privacy_request.pk}/",
                seen_by(MANAGER, SERVICE, HO),
            ),
        )
    ],
    "privacy/requests/<int:request_id>/": [
        Check(
            GET,
            scoped(200, MANAGER, SERVICE, HO, other=403),
            args=obj("request_id", "privacy_request"),
        ),
        Check(
            POST,
            scoped(200, MANAGER, SERVICE, HO, other=403),
            args=obj("request_id", "privacy_request"),
            data={"decision": ""},
        ),
    ],
    # -- the organisation (机构) ---------------------------------------------------------------
    "org/": [
        Check(
            GET,
            allow(200, *STAFF),
            shows=(lambda w, s: s.unit.code, seen_by(*STAFF)),
            why="staff see their unit's subtree",
        )
    ],
    "org/move/": [
        Check(
            POST,
            allow(400, MANAGER, HO),
            data=lambda w, s, r: {
                "unit": s.unit.code,
                "new_parent": s.city_unit.code,
                "reason": "矩阵 / matrix",
            },
            shows=(lambda w, s: "机构已在该上级之下", seen_by(MANAGER, HO)),
            why="view-audit holders move units of their subtree (here: where it already sits); "
            "another branch's unit reads as unknown",
        )
    ],
    "org/place/": [
        Check(
            POST,
            scoped(302, MANAGER, HO, other=403, miss=400),
            data=lambda w, s, r: {
                "username": s.seat.username,
                "unit": s.city_unit.code,
                "reason": "矩阵 / matrix",
            },
        )
    ],
    "notify/u/<str:token>/undo/": [
        Check(POST, roles(200, anon=200), args=lambda w, s, r: {"token": s.unsubscribe_token}),
        Check(POST, roles(404, anon=404), args=lambda w, s, r: {"token": "forged"}),
    ],
}

# ---- the API (anonymous: 401) ---------------------------------------------------------------

API_EDITORS = (SEAT, LEADER, AGENT, MANAGER, SERVICE, HO)  # edit-customers


def api(default: Outcome, **given) -> dict:
    return roles(default, anon=401, **given)


def api_scoped(ok: int, *who: str, other: Outcome = 404, **given) -> dict:
    return scoped(ok, *who, other=other, anon=401, **given)


def _vehicle_body(w: World, s: Side, r: str) -> dict[str, Any]:
    return {"owner_id": s.customer.pk, "plate": f"浙A{ROLES.index(r):03d}X{s.name}"}


def _policy_body(w: World, s: Side, r: str) -> dict[str, Any]:
    return {
        "policy_no": f"PAUTHZ{s.name}{ROLES.index(r):04d}",
        "kind": "commercial",
        "customer_id": s.customer.pk,
        "vehicle_id": s.vehicle.pk,
        "effective_date": "2026-06-01",
        "expiry_date": "2027-06-01",
        "premium": "2000.00",
        "channel": "direct",
    }


def _interaction_body(w: World, s: Side, r: str) -> dict[str, Any]:
    return {
        "customer_id": s.customer.pk,
        "contact_type": "phone",
        "medium": "phone",
        "direction": "outbound",
        "occurred_at": "2026-03-02T09:00:00+08:00",
        "outcome": "reached",
    }


def _complaint_body(w: World, s: Side, r: str) -> dict[str, Any]:
    return {
        "customer_id": s.customer.pk,
        "channel": "phone",
        "category": "speed",
        "touchpoint": "claims",
        "summary": "太慢 / slow",
    }


def _claim_body(w: World, s: Side, r: str) -> dict[str, Any]:
    return {"vehicle_id": s.vehicle.pk, "accident_at": "2026-03-01T09:00:00+08:00"}


API_ROUTES: dict[str, list[Check]] = {
    "GET api/customers": [
        Check(GET, api(200), listed=(pk_of("customer"), seen_by(*SEES_A))),
    ],
    "POST api/customers": [
        Check(POST, api(403, **dict.fromkeys(API_EDITORS, 201)), data={"name": "新客户"}),
    ],
    "GET api/customers/{customer_id}": [
        Check(GET, api_scoped(200, *SEES_A), args=obj("customer_id", "customer")),
    ],
    "PATCH api/customers/{customer_id}": [
        Check(
            PATCH,
            api_scoped(
                200, *API_EDITORS, **refused(CUSTOMER, HANDLER, APPROVER, UNDERWRITER, SHOP)
            ),
            args=obj("customer_id", "customer"),
            data={},
        )
    ],
    "GET api/vehicles": [Check(GET, api(200), listed=(pk_of("vehicle"), seen_by(*SEES_A)))],
    "POST api/vehicles": [
        Check(
            POST,
            api_scoped(
                201, *API_EDITORS, **refused(CUSTOMER, HANDLER, APPROVER, UNDERWRITER, SHOP)
            ),
            data=_vehicle_body,
        )
    ],
    "GET api/vehicles/{vehicle_id}": [
        Check(GET, api_scoped(200, *SEES_A), args=obj("vehicle_id", "vehicle")),
    ],
    "PATCH api/vehicles/{vehicle_id}": [
        Check(
            PATCH,
            api_scoped(
                200, *API_EDITORS, **refused(CUSTOMER, HANDLER, APPROVER, UNDERWRITER, SHOP)
            ),
            args=obj("vehicle_id", "vehicle"),
            data={},
        )
    ],
    "GET api/policies": [Check(GET, api(200), listed=(pk_of("policy"), seen_by(*SEES_A)))],
    "POST api/policies": [
        Check(
            POST,
            api_scoped(
                201,
                AGENT,
                MANAGER,
                HO,
                **refused(CUSTOMER, SEAT, LEADER, SERVICE, HANDLER, APPROVER, UNDERWRITER, SHOP),
            ),
            data=_policy_body,
        )
    ],
    "GET api/policies/{policy_id}": [
        Check(GET, api_scoped(200, *SEES_A), args=obj("policy_id", "policy")),
    ],
    "PATCH api/policies/{policy_id}": [
        Check(
            PATCH,
            api_scoped(
                200,
                AGENT,
                MANAGER,
                HO,
                **refused(CUSTOMER, SEAT, LEADER, SERVICE, HANDLER, APPROVER, UNDERWRITER, SHOP),
            ),
            args=obj("policy_id", "policy"),
            data={},
        )
    ],
    "GET api/interactions": [
        Check(GET, api(200), listed=(pk_of("interaction"), seen_by(*SEES_A))),
    ],
    "POST api/interactions": [
        Check(
            POST,
            api_scoped(201, *SEES_A, customer=(403, 404), shop=(403, 404)),
            data=_interaction_body,
        ),
    ],
    "GET api/interactions/{interaction_id}": [
        Check(GET, api_scoped(200, *SEES_A), args=obj("interaction_id", "interaction")),
    ],
    "PATCH api/interactions/{interaction_id}": [
        Check(
            PATCH,
            api_scoped(200, *SEES_A, customer=(403, 404), shop=(403, 404)),
            args=obj("interaction_id", "interaction"),
            data={},
        )
    ],
    "POST api/complaints": [
        Check(
            POST,
            api_scoped(201, *STAFF, CUSTOMER, shop=403, merchant=403),
            data=_complaint_body,
        )
    ],
    "GET api/complaints": [
        Check(
            GET,
            api(403, customer=200, manager=200, service=200, ho=200),
            listed=(pk_of("complaint"), seen_by(CUSTOMER, MANAGER, SERVICE, HO)),
        )
    ],
    "GET api/complaints/{complaint_id}": [
        Check(
            GET,
            api_scoped(200, CUSTOMER, MANAGER, SERVICE, HO, other=403),
            args=obj("complaint_id", "complaint"),
        )
    ],
    "GET api/complaints/{complaint_id}/events": [
        Check(
            GET,
            api_scoped(200, CUSTOMER, MANAGER, SERVICE, HO, other=403),
            args=obj("complaint_id", "complaint"),
        )
    ],
    "POST api/complaints/{complaint_id}/steps": [
        Check(
            POST,
            api_scoped(409, CUSTOMER, MANAGER, SERVICE, HO, other=403),
            args=obj("complaint_id", "complaint"),
            data=lambda w, s, r: {"action": "confirm" if r == CUSTOMER else "close"},
        )
    ],
    "POST api/claims": [
        Check(
            POST,
            api_scoped(
                201,
                CUSTOMER,
                MANAGER,
                HANDLER,
                APPROVER,
                HO,
                SHOP,
                **refused(SEAT, LEADER, AGENT, SERVICE, UNDERWRITER),
            ),
            data=_claim_body,
        ),
    ],
    "GET api/claims": [Check(GET, api(200), listed=(pk_of("claim"), seen_by(*SEES_A)))],
    "GET api/claims/{claim_id}": [
        Check(GET, api_scoped(200, *SEES_A), args=obj("claim_id", "claim")),
    ],
    "GET api/claims/{claim_id}/transitions": [
        Check(GET, api_scoped(200, *SEES_A), args=obj("claim_id", "claim")),
    ],
    "POST api/claims/{claim_id}/transitions": [
        Check(
            POST,
            api_scoped(
                400,
                HANDLER,
                APPROVER,
                MANAGER,
                HO,
                **refused(CUSTOMER, SEAT, LEADER, AGENT, SERVICE, UNDERWRITER, SHOP),
            ),
            args=obj("claim_id", "claim"),
            data={"action": "nonsense"},
        )
    ],
    "POST api/claims/{claim_id}/payment": [
        Check(
            POST,
            api_scoped(
                409,
                HANDLER,
                APPROVER,
                MANAGER,
                HO,
                **refused(CUSTOMER, SEAT, LEADER, AGENT, SERVICE, UNDERWRITER, SHOP),
            ),
            args=obj("claim_id", "claim"),
            data={},
        )
    ],
    "GET api/claims/{claim_id}/payments": [
        Check(GET, api_scoped(200, *SEES_A), args=obj("claim_id", "claim")),
    ],
    "GET api/claims-report": [Check(GET, api(403, approver=200, manager=200, service=200, ho=200))],
    "GET api/claims-shop": [
        Check(GET, api(403, shop=200), listed=(pk_of("claim"), seen_by(SHOP))),
    ],
    "POST api/claims-shop/{claim_id}": [
        Check(
            POST,
            api_scoped(400, SHOP, other=403),
            args=obj("claim_id", "claim"),
            data={"action": "nonsense"},
        )
    ],
    "POST api/alliance/redemptions": [
        Check(POST, api(403, merchant=409), data={"code": "AAAA-BBBB-CCCC"}),
    ],
    "GET api/alliance/redemptions": [
        Check(
            GET,
            api(200),
            listed=(pk_of("redemption"), seen_by(CUSTOMER, *STAFF, MERCHANT)),
        )
    ],
    "POST api/alliance/redemptions/{redemption_id}/reversal": [
        Check(
            POST,
            api_scoped(200, MERCHANT, **refused(CUSTOMER, *STAFF)),
            args=obj("redemption_id", "redemption"),
            data={"reason": "顾客取消 / cancelled"},
        )
    ],
    "GET api/alliance/vouchers": [
        Check(
            GET,
            api(200),
            listed=(
                pk_of("voucher"),
                seen_by(CUSTOMER, *STAFF),
            ),
        )
    ],
    "GET api/customers/{customer_id}/consents": [
        Check(GET, api_scoped(200, CUSTOMER, *STAFF), args=obj("customer_id", "customer")),
    ],
    "POST api/customers/{customer_id}/consents": [
        Check(
            POST,
            api_scoped(400, CUSTOMER, *STAFF),
            args=obj("customer_id", "customer"),
            data={"purpose": "marketing", "action": "withdraw", "source": "nonsense"},
            why="partners and merchants reach no consent; a bad source is refused after scope",
        )
    ],
    "POST api/vehicles/{vehicle_id}/transfer": [
        Check(
            POST,
            api_scoped(
                400,
                AGENT,
                MANAGER,
                HO,
                **refused(CUSTOMER, SEAT, LEADER, SERVICE, HANDLER, APPROVER, UNDERWRITER, SHOP),
            ),
            args=obj("vehicle_id", "vehicle"),
            data=lambda w, s, r: {
                "new_owner_id": s.customer.pk,
                "on": "2026-03-01",
                "in_force": "nonsense",
            },
        )
    ],
    "GET api/transfers/{transfer_id}": [
        Check(
            GET,
            api_scoped(200, CUSTOMER, *STAFF),
            args=obj("transfer_id", "transfer"),
        )
    ],
    "GET api/policies/{policy_id}/endorsements": [
        Check(GET, api_scoped(200, *SEES_A), args=obj("policy_id", "policy")),
    ],
    "GET api/ecosystem/scorecards": [
        Check(GET, api(403, manager=200, service=200, ho=200, shop=200, merchant=200)),
    ],
    "GET api/ecosystem/partners/{partner_id}/scorecard": [
        Check(
            GET,
            api_scoped(200, SHOP, MERCHANT, miss=403, other=403, manager=200, service=200, ho=200),
            args=partner_of("partner_id"),
        )
    ],
    "GET api/ecosystem/partners/{partner_id}/scorecard/{figure}": [
        Check(
            GET,
            api_scoped(200, SHOP, MERCHANT, miss=403, other=403, manager=200, service=200, ho=200),
            args=lambda w, s, r: {**partner_of("partner_id")(w, s, r), "figure": "policies"},
        )
    ],
}

# ---- Django's admin: one declaration for every ModelAdmin URL --------------------------------

ADMIN_PREFIX = "admin/"
ADMIN = [Check(GET, roles(302, anon=302), why="is_staff only; no matrix role is staff")]
ADMIN_EXCEPTIONS: dict[str, list[Check]] = {
    "admin/login/": [Check(GET, roles(200, anon=200))],
    "admin/logout/": [Check(GET, roles(302, anon=302), why="is_staff only, as every admin URL")],
}


@functools.cache
def more_routes() -> dict[str, list[Check]]:
    """Rows declared in ``tests/authz/more/<area>.py`` (each module's ``ROUTES``): one file per
    area, so changes in flight side by side do not edit the same table."""
    import importlib
    import pkgutil

    from . import more

    out: dict[str, list[Check]] = {}
    for info in sorted(pkgutil.iter_modules(more.__path__), key=lambda m: m.name):
        rows = importlib.import_module(f"{more.__name__}.{info.name}").ROUTES
        clash = set(rows) & (set(out) | set(ROUTES) | set(API_ROUTES))
        assert not clash, f"declared twice: {sorted(clash)}"
        out.update(rows)
    return out


def declared(key: str) -> list[Check] | None:
    if key in ROUTES:
        return ROUTES[key]
    if key in more_routes():
        return more_routes()[key]
    if key in API_ROUTES:
        return API_ROUTES[key]
    if key in ADMIN_EXCEPTIONS:
        return ADMIN_EXCEPTIONS[key]
    if key.startswith(ADMIN_PREFIX):
        return ADMIN
    return None


# ---- enumeration ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    key: str  # the pattern ("claims/<int:claim_id>/") or "METHOD api/path/{param}"
    name: str | None  # the namespaced URL name (pages)
    api_path: str = ""  # "/api/claims/{claim_id}" (API operations)
    params: tuple[str, ...] = field(default=())


def _is_ninja_operation(pattern: URLPattern) -> bool:
    return getattr(pattern.callback, "__module__", "") == "ninja.operation"


def _walk(resolver: URLResolver, prefix: str = "", namespace: str = ""):
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _walk(p, prefix + str(p.pattern), ns)
        else:
            yield prefix + str(p.pattern), (f"{namespace}{p.name}" if p.name else None), p


@functools.cache
def page_routes() -> list[Route]:
    """Every URL pattern that is not an API operation (those come from the schema)."""
    out, seen = [], set()
    for pattern, name, p in _walk(get_resolver()):
        if _is_ninja_operation(p) or pattern in seen:
            continue
        seen.add(pattern)
        out.append(Route(key=pattern, name=name, params=tuple(p.pattern.regex.groupindex)))
    return out


def ninja_paths() -> set[str]:
    """The API's URL patterns as the URL conf has them, in the schema's spelling."""
    return {
        "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", pattern)
        for pattern, _, p in _walk(get_resolver())
        if _is_ninja_operation(p)
    }


@functools.cache
def api_operations() -> list[Route]:
    schema = ninja_api.get_openapi_schema()
    out = []
    for path, operations in schema["paths"].items():
        for method in operations:
            out.append(
                Route(
                    key=f"{method.upper()} {path.lstrip('/')}",
                    name=None,
                    api_path=path,
                )
            )
    return out


def all_routes() -> list[Route]:
    return page_routes() + api_operations()


def undeclared() -> list[str]:
    return [r.key for r in all_routes() if declared(r.key) is None]


def unused() -> list[str]:
    keys = {r.key for r in all_routes()}
    declared_keys = [*ROUTES, *API_ROUTES, *more_routes(), *ADMIN_EXCEPTIONS]
    return sorted(k for k in declared_keys if k not in keys)
