"""Authorization rows of commission statements (issue #16, ADR 0017): those who manage
partners reach their unit subtree's statements (the head-office manager every one), a
partner's user its own partner's and nobody else's; only a manager approves or pays.

Each side's statement is made on first use in the test (inside the test's savepoint, so it
goes with the test): the shared world (tests/authz/world.py) is not this area's to change."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from carecircle.ecosystem.models import CommissionStatement

from ..routes import GET, POST, Check, allow, api, api_scoped, roles, scoped, seen_by
from ..world import HO, MANAGER, MERCHANT, SERVICE, SHOP, Side, World

FEB = dt.date(2026, 2, 1)


def statement(s: Side) -> CommissionStatement:
    row, _ = CommissionStatement.objects.get_or_create(
        partner=s.shop,
        month=FEB,
        defaults={
            "statement_no": f"CMAUTHZ-{s.name}",
            "unit": s.unit,
            "total": Decimal("120.00"),
            "premium": Decimal("1200.00"),
            "lines_count": 1,
        },
    )
    return row


def _id(w: World, s: Side, r: str) -> dict[str, Any]:
    return {"statement_id": statement(s).pk}


def _no(w: World, s: Side) -> str:
    return statement(s).statement_no


def _pk(w: World, s: Side) -> int:
    return statement(s).pk


# Who reaches side A's statement: the manager above unit A, the service manager of unit A,
# the head office, shop A's user. A merchant's user passes the page's gate (a partner user)
# and finds no statement of its own.
SEE = (MANAGER, SERVICE, HO, SHOP)

ROUTES = {
    "ecosystem/commissions/": [
        Check(
            GET,
            allow(200, *SEE, MERCHANT),
            query=lambda w, s, r: {"month": "2026-02", "x": statement(s).pk},
            shows=(_no, seen_by(*SEE)),
        )
    ],
    "ecosystem/commissions/calculate/": [
        Check(
            POST,
            allow(302, HO),
            data={"month": "2026-02"},
            why="the run calculates every payee's statement company-wide: head office only",
        ),
    ],
    "ecosystem/commissions/<int:statement_id>/": [
        Check(GET, scoped(200, *SEE, other=403, merchant=(404, 404)), args=_id),
    ],
    "ecosystem/commissions/<int:statement_id>/export.xlsx": [
        Check(GET, scoped(200, *SEE, other=403, merchant=(404, 404)), args=_id),
    ],
    "ecosystem/commissions/<int:statement_id>/<slug:action>/": [
        Check(
            POST,
            scoped(302, MANAGER, SERVICE, HO, other=403, shop=(403, 404), merchant=(404, 404)),
            args=lambda w, s, r: {**_id(w, s, r), "action": "approve"},
            why="approving needs the manage-partners permission; a partner reads only",
        ),
        Check(
            GET,
            roles(405, anon=405),
            args=lambda w, s, r: {**_id(w, s, r), "action": "approve"},
        ),
    ],
    "GET api/ecosystem/commissions/statements": [
        Check(
            GET,
            api(403, manager=200, service=200, ho=200, shop=200, merchant=200),
            query=lambda w, s, r: {"x": statement(s).pk},
            listed=(_pk, seen_by(*SEE)),
        ),
    ],
    "GET api/ecosystem/commissions/statements/{statement_id}": [
        Check(GET, api_scoped(200, *SEE, other=403, merchant=(404, 404)), args=_id),
    ],
}
