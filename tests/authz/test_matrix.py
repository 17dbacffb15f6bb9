"""The authorization matrix: every URL pattern and API operation, requested as every role with
its own and a foreign object, gives the outcome ``tests/authz/routes.py`` declares for it; a
route without a declaration fails ``test_every_route_is_declared`` with the list to add.

Rule: staff reach their unit's subtree, narrowed by role; partners the rows they brought or
were sent; merchants their own redemptions; customers themselves; anonymous nothing but the
public pages and the links whose token is the credential (issue #15)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.db import transaction
from django.urls import reverse

from .routes import (
    ADMIN_PREFIX,
    Check,
    Route,
    all_routes,
    api_operations,
    declared,
    ninja_paths,
    undeclared,
    unused,
)
from .world import ANON, ROLES, World

ROUTES = all_routes()


def test_every_route_is_declared():
    missing = undeclared()
    assert not missing, (
        f"{len(missing)} route(s) without a declaration in tests/authz/routes.py — add a row "
        "saying who may reach each and with whose objects:\n  " + "\n  ".join(missing)
    )


def test_the_table_declares_no_route_that_does_not_exist():
    assert unused() == []


def test_the_api_schema_lists_every_api_url():
    schema_paths = {r.api_path for r in api_operations()}
    assert ninja_paths() == schema_paths


def _admin_url(route: Route) -> str:
    path = route.key
    if "(?P<app_label>" in path:
        return "/admin/core/"
    if "(?P<url>" in path:
        return "/admin/no-such-page/"
    return "/" + re.sub(r"<(?:\w+:)?\w+>", "1", path)


def _fill(value: Any, world: World, side, role: str) -> Any:
    return value(world, side, role) if callable(value) else value


def _url(route: Route, check: Check, world: World, side, role: str) -> str:
    kwargs = _fill(check.args, world, side, role) or {}
    if route.api_path:
        return route.api_path.format(**kwargs)
    if route.key.startswith(ADMIN_PREFIX) and route.key not in ("admin/login/", "admin/logout/"):
        return _admin_url(route)
    return reverse(route.name, kwargs=kwargs)


def _request(client, route: Route, check: Check, url: str, data: Any, query: Any):
    if check.method == "GET":
        return client.get(url, query or {})
    if route.api_path:
        body = json.dumps(data if data is not None else {})
        return client.generic(check.method, url, body, content_type="application/json")
    return client.post(url, data or {})


def _listed_ids(response) -> set[int]:
    body = response.json()
    items = body["items"] if isinstance(body, dict) else body
    return {item["id"] for item in items}


def _run(route: Route, check: Check, world: World, clients) -> list[str]:
    failures = []
    for role in check.asked:
        expected = check.expect[role]
        own_foreign = expected if isinstance(expected, tuple) else (expected, expected)
        sides = (True, False) if check.two_sided else (True,)
        for own in sides:
            side = world.side(own)
            url = _url(route, check, world, side, role)
            data = _fill(check.data, world, side, role)
            query = _fill(check.query, world, side, role)
            # Each request starts from the same world: its writes are undone at once.
            with transaction.atomic():
                response = _request(clients[role], route, check, url, data, query)
                transaction.set_rollback(True)
            want = own_foreign[0 if own else 1]
            whose = "own" if own else "foreign"
            if response.status_code != want:
                failures.append(
                    f"{check.method} {url} as {role} ({whose}): {response.status_code}, "
                    f"declared {want}"
                )
                continue
            if check.listed and response.status_code == 200:
                row_id, seen = check.listed
                listed = row_id(world, side) in _listed_ids(response)
                if listed != seen[role][0 if own else 1]:
                    failures.append(
                        f"{check.method} {url} as {role}: side {side.name}'s row "
                        f"{'listed' if listed else 'missing'}, declared the opposite"
                    )
            if check.shows and response.status_code in (200, 400):
                text, seen = check.shows
                shown = text(world, side) in response.content.decode()
                if shown != seen[role][0 if own else 1]:
                    failures.append(
                        f"{check.method} {url} as {role}: side {side.name}'s {text(world, side)} "
                        f"{'shown' if shown else 'missing'}, declared the opposite"
                    )
    return failures


@pytest.mark.parametrize("route", ROUTES, ids=[r.key for r in ROUTES])
def test_route(route: Route, world: World, clients):
    checks = declared(route.key)
    if checks is None:
        pytest.fail(f"no declaration for {route.key} (see test_every_route_is_declared)")
    failures, pending = [], []
    for check in checks:
        found = _run(route, check, world, clients)
        if check.pending:
            pending.append((check, found))
        else:
            failures += found
    assert not failures, "\n".join(failures)
    for check, found in pending:
        if not found:
            pytest.fail(f"{route.key} {check.method} passes now: remove its pending mark")
    if pending:
        pytest.xfail(
            "; ".join(f"{c.pending}: " + " | ".join(found) for c, found in pending if found)
        )


def test_anonymous_is_in_the_matrix():
    assert ANON in ROLES
