"""The Content-Security-Policy and /api/docs (#21 finding 4): every page carries the policy, no
page holds an inline script without the request's nonce or an inline event handler, and the
API docs load Swagger UI from our own static files, never a CDN.

The pages walked are the authorization matrix's (tests/authz/routes.py): every page route it
declares a GET for, as several roles, with each role's own objects."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.db import transaction
from django.urls import reverse

from carecircle.core import clock
from tests.authz.routes import ADMIN_PREFIX, declared, page_routes
from tests.authz.world import (
    ANON,
    CUSTOMER,
    HANDLER,
    HO,
    LEADER,
    MERCHANT,
    NOW,
    SEAT,
    SHOP,
    world_rolled_back,
)

WALKED_ROLES = (HO, LEADER, SEAT, HANDLER, SHOP, MERCHANT, CUSTOMER, ANON)


class _Page(HTMLParser):
    """The page's scripts (attributes, whether inline) and every inline event handler."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.handlers: list[str] = []
        self.urls: list[str] = []
        self._script: dict[str, str | None] | None = None

    def handle_starttag(self, tag, attrs):
        named = dict(attrs)
        for name, value in attrs:
            if re.fullmatch(r"on[a-z]+", name) or name.startswith("hx-on"):
                self.handlers.append(f"<{tag} {name}={value!r}>")
            if name in ("href", "src", "action") and (value or "").startswith("javascript:"):
                self.handlers.append(f"<{tag} {name}={value!r}>")
            if name in ("src", "href") and tag in ("script", "link", "img", "iframe"):
                self.urls.append(value or "")
        if tag == "script":
            self._script = {**named, "_body": ""}
            self.scripts.append(self._script)

    def handle_data(self, data):
        if self._script is not None:
            self._script["_body"] = (self._script["_body"] or "") + data

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None


def _policy(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy", "")
    out = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def _inline_script_problems(page: _Page, policy: dict[str, list[str]]) -> list[str]:
    nonces = {
        w[len("'nonce-") : -1] for w in policy.get("script-src", []) if w.startswith("'nonce-")
    }
    out = []
    for s in page.scripts:
        if s.get("src"):
            continue
        if (s.get("type") or "").lower() in ("application/json", "application/ld+json"):
            continue  # data, never run (json_script)
        if s.get("nonce") and s["nonce"] in nonces:
            continue
        out.append(f"inline <script> without the request's nonce: {(s['_body'] or '')[:60]!r}")
    return out


@pytest.fixture(scope="module")
def world_and_clients(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), world_rolled_back() as world_and_its_clients:
        yield world_and_its_clients


def test_the_policy_allows_scripts_only_from_our_origin_or_with_the_nonce(client):
    response = client.get(reverse("login"))
    policy = _policy(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"][0] == "'self'"
    assert all(w == "'self'" or w.startswith("'nonce-") for w in policy["script-src"])
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]


def test_every_page_of_several_roles_carries_the_csp_and_no_inline_script_or_handler(
    world_and_clients, db
):
    world, clients = world_and_clients
    walked, problems = 0, []
    with clock.frozen_at(NOW):
        for route in page_routes():
            if route.key.startswith(ADMIN_PREFIX):
                continue
            for check in declared(route.key) or []:
                if check.method != "GET":
                    continue
                for role in WALKED_ROLES:
                    if role not in check.asked:
                        continue
                    kwargs = check.args(world, world.side(True), role) if check.args else {}
                    url = reverse(route.name, kwargs=kwargs)
                    query = (
                        check.query(world, world.side(True), role)
                        if callable(check.query)
                        else check.query
                    )
                    with transaction.atomic():
                        response = clients[role].get(url, query or {})
                        transaction.set_rollback(True)
                    if response.status_code != 200 or "html" not in response.get(
                        "Content-Type", ""
                    ):
                        continue
                    walked += 1
                    policy = _policy(response)
                    if "script-src" not in policy:
                        problems.append(f"{url} as {role}: no Content-Security-Policy script-src")
                        continue
                    page = _Page()
                    page.feed(response.content.decode())
                    problems += [
                        f"{url} as {role}: {p}" for p in _inline_script_problems(page, policy)
                    ]
                    problems += [f"{url} as {role}: inline handler {h}" for h in page.handlers]
    print(f"walked {walked} pages")
    assert problems == []
    assert walked >= 150, walked  # the walk reached the pages, not only redirects


def test_the_api_docs_load_swagger_ui_from_our_own_static_files(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    page = _Page()
    page.feed(html)
    assert page.urls, html
    for url in page.urls:  # same-origin paths only (and the page's empty data: favicon)
        assert url == "data:," or (url.startswith("/") and not url.startswith("//")), url
    assert "/static/api/swagger-ui/swagger-ui-bundle.js" in page.urls
    assert "/static/api/swagger-ui/swagger-ui.css" in page.urls
    assert "/static/api/swagger-init.js" in page.urls
    assert "cdn" not in html.lower() and "https://" not in html
    assert _inline_script_problems(page, _policy(response)) == []
    assert "Content-Security-Policy" in response.headers


def test_the_vendored_swagger_ui_files_are_served(client):
    for path in (
        "/static/api/swagger-ui/swagger-ui-bundle.js",
        "/static/api/swagger-ui/swagger-ui.css",
        "/static/api/swagger-init.js",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert len(body) > 100, path
