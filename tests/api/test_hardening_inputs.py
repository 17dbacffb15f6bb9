"""Every API input path answers a refusal as JSON (issue #21, finding 5): a null sent for a
value the database cannot hold null is a 422 naming the field, never a 500; a body over the
upload limit is a 413 in the API's error shape, never Django's HTML 400."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from carecircle.api.api import api as ninja_api
from carecircle.core.models import ApiToken
from tests.authz.routes import Check, api_operations, declared
from tests.authz.world import HO, ROLES, World

REFUSED = (302, 401, 403, 404, 405)


def _request_schema(path: str, method: str) -> dict[str, Any] | None:
    schema = ninja_api.get_openapi_schema()
    body = schema["paths"][path][method.lower()].get("requestBody")
    if not body:
        return None
    ref = body["content"]["application/json"]["schema"]["$ref"]
    return schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]


def _writes() -> list[tuple[str, str, Check]]:
    out = []
    for route in api_operations():
        method = route.key.split(" ", 1)[0]
        if method not in ("POST", "PATCH", "PUT"):
            continue
        for check in declared(route.key) or []:
            if check.method == method:
                out.append((route.key, route.api_path, check))
                break
    return out


WRITES = _writes()


def _acting_role(check: Check) -> str | None:
    """A role that gets past the permission check with its own object (head office first)."""
    for role in (HO, *ROLES):
        expected = check.expect[role]
        own = expected[0] if isinstance(expected, tuple) else expected
        if own not in REFUSED:
            return role
    return None


def _fill(value: Any, w: World, role: str) -> Any:
    return value(w, w.side(True), role) if callable(value) else value


def _problems(response, what: str) -> list[str]:
    if response.status_code >= 500:
        return [f"{what} → {response.status_code}"]
    if not response["Content-Type"].startswith("application/json"):
        return [f"{what} → {response.status_code} {response['Content-Type']}"]
    if response.status_code >= 400 and not {"code", "field", "message"} <= set(response.json()):
        return [f"{what} → {response.status_code} {response.json()}"]
    return []


def _send(client, method: str, url: str, body: dict[str, Any]):
    with transaction.atomic():
        response = client.generic(method, url, json.dumps(body), content_type="application/json")
        transaction.set_rollback(True)
    return response


@pytest.mark.parametrize("key, path, check", WRITES, ids=[w[0] for w in WRITES])
def test_null_in_any_field_of_any_write_is_a_json_4xx_never_a_500(key, path, check, world, clients):
    request_schema = _request_schema(path, check.method)
    if request_schema is None:
        pytest.skip(f"{key} takes no JSON body")
    role = _acting_role(check)
    assert role is not None, key
    url = path.format(**(_fill(check.args, world, role) or {}))
    base = dict(_fill(check.data, world, role) or {})
    client = clients[role]
    client.raise_request_exception = False  # a 500 is an answer here, counted below
    failures = []
    try:
        for field in request_schema.get("properties", {}):
            response = _send(client, check.method, url, {**base, field: None})
            failures += _problems(response, f"{field}=null")
    finally:
        client.raise_request_exception = True
    assert not failures, f"{key} as {role}: " + "; ".join(failures)


@pytest.mark.parametrize("field", ["province", "city", "address", "name", "kind"])
def test_a_customer_patch_with_null_for_a_not_null_column_is_422_and_changes_nothing(
    field, world, clients
):
    customer = world.side(True).customer
    before = {f: getattr(customer, f) for f in ("province", "city", "address", "name", "kind")}
    response = _send(clients[HO], "PATCH", f"/api/customers/{customer.pk}", {field: None})
    assert response.status_code == 422
    assert response.json()["code"] == "null_not_allowed"
    assert response.json()["field"] == field
    customer.refresh_from_db()
    assert {f: getattr(customer, f) for f in before} == before


@pytest.mark.parametrize("field", ["brand", "model", "vehicle_class", "use", "seats", "owner_id"])
def test_a_vehicle_patch_with_null_for_a_not_null_column_is_422(field, world, clients):
    vehicle = world.side(True).vehicle
    response = _send(clients[HO], "PATCH", f"/api/vehicles/{vehicle.pk}", {field: None})
    assert response.status_code == 422
    assert (response.json()["code"], response.json()["field"]) == ("null_not_allowed", field)


def test_a_patch_null_that_means_clear_or_default_is_still_accepted(world, clients):
    # plate and VIN: null clears them (as ""); new_energy: null reads it from the plate.
    vehicle = world.side(True).vehicle
    response = _send(
        clients[HO],
        "PATCH",
        f"/api/vehicles/{vehicle.pk}",
        {"vin": None, "new_energy": None, "first_registration": None},
    )
    assert response.status_code == 200, response.json()
    assert response.json()["vin"] == ""


def _big_body(size: int) -> str:
    return json.dumps({"name": "大", "address": "x" * size})


@pytest.mark.parametrize(
    "method, url",
    [("POST", "/api/customers"), ("PATCH", "/api/customers/{customer_id}")],
)
def test_a_body_over_the_upload_limit_is_a_json_413(method, url, world, clients):
    url = url.format(customer_id=world.side(True).customer.pk)
    body = _big_body(3 * 1024 * 1024)  # 3 MB, over Django's 2.5 MB default
    with transaction.atomic():
        response = clients[HO].generic(method, url, body, content_type="application/json")
        transaction.set_rollback(True)
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {
        "code": "body_too_large",
        "field": None,
        "message": "请求体超过大小上限 / the request body is over the size limit",
    }


def test_a_body_over_the_limit_is_413_for_a_token_caller_too(world, db):
    token = ApiToken.issue(world.users[HO], "big body")[1]
    response = Client().post(
        "/api/customers",
        _big_body(3 * 1024 * 1024),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert (response.status_code, response.json()["code"]) == (413, "body_too_large")


def test_a_page_keeps_djangos_answer_to_a_body_over_the_limit(db):
    # Only /api/ answers in JSON; a page still gets Django's 400 for RequestDataTooBig.
    response = Client().post("/accounts/login/", {"username": "x" * (3 * 1024 * 1024)})
    assert response.status_code == 400
    assert not response["Content-Type"].startswith("application/json")
