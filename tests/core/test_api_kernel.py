"""Bearer tokens for systems, idempotent creates, the OpenAPI document."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.test import Client

from carecircle.core.models import ApiToken, IdempotencyKey, hash_token
from carecircle.parties.models import Customer

pytestmark = pytest.mark.django_db


def test_token_is_stored_as_sha256_only_and_touches_last_used(book):
    token, raw = ApiToken.issue(book["seat"], "crm")
    assert token.token_hash == hash_token(raw) != raw
    assert token.last_used_at is None
    response = Client(headers={"Authorization": f"Bearer {raw}"}).get("/api/customers")
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_last_used_is_written_once_a_minute_not_on_every_request(book):
    """A busy integration's token must not become one hot row: within the minute no write."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    token, raw = ApiToken.issue(book["seat"], "crm")
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    client.get("/api/customers")
    token.refresh_from_db()
    first = token.last_used_at
    with CaptureQueriesContext(connection) as queries:
        client.get("/api/customers")
    assert not [q for q in queries if "UPDATE" in q["sql"] and "api_apitoken" in q["sql"]]
    token.refresh_from_db()
    assert token.last_used_at == first
    stale = timezone.now() - dt.timedelta(minutes=2)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=stale)
    client.get("/api/customers")
    token.refresh_from_db()
    assert token.last_used_at > stale + dt.timedelta(minutes=1)


def test_revoked_token_is_refused(book):
    token, raw = ApiToken.issue(book["seat"], "crm")
    ApiToken.objects.filter(pk=token.pk).update(revoked=True)
    response = Client(headers={"Authorization": f"Bearer {raw}"}).get("/api/customers")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_unknown_token_is_refused(book):
    response = Client(headers={"Authorization": "Bearer cc_nonsense"}).get("/api/customers")
    assert response.status_code == 401


def test_token_of_deactivated_user_is_refused(book):
    _, raw = ApiToken.issue(book["seat"], "crm")
    book["seat"].is_active = False
    book["seat"].save()
    response = Client(headers={"Authorization": f"Bearer {raw}"}).get("/api/customers")
    assert response.status_code == 401


def test_api_token_command_prints_a_working_token_once(book, capsys):
    call_command("api_token", "seat", "--name", "renewal dialler")
    raw = capsys.readouterr().out.strip()
    assert raw.startswith("cc_")
    assert ApiToken.objects.get(name="renewal dialler").token_hash == hash_token(raw)
    response = Client(headers={"Authorization": f"Bearer {raw}"}).get("/api/customers")
    assert response.status_code == 200


def test_session_writes_need_csrf_token(book):
    client = Client(enforce_csrf_checks=True)
    client.force_login(book["seat"])
    response = client.post("/api/customers", {"name": "李雷"}, content_type="application/json")
    assert response.status_code == 403
    assert not Customer.objects.filter(name="李雷").exists()


def test_same_idempotency_key_returns_the_first_customer(book, api_as):
    client = api_as(book["seat"])
    payload = {"name": "韩梅梅", "phone": "13700001111"}
    first = client.post(
        "/api/customers",
        payload,
        content_type="application/json",
        headers={"Idempotency-Key": "k1"},
    )
    again = client.post(
        "/api/customers",
        payload,
        content_type="application/json",
        headers={"Idempotency-Key": "k1"},
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert Customer.objects.filter(name="韩梅梅").count() == 1


def test_idempotency_keys_are_per_user(book, api_as):
    payload = {"name": "韩梅梅"}
    headers = {"Idempotency-Key": "shared"}
    a = api_as(book["seat"]).post(
        "/api/customers", payload, content_type="application/json", headers=headers
    )
    b = api_as(book["other_seat"]).post(
        "/api/customers", payload, content_type="application/json", headers=headers
    )
    assert (a.status_code, b.status_code) == (201, 201)
    assert a.json()["id"] != b.json()["id"]
    assert IdempotencyKey.objects.filter(key="shared").count() == 2


def test_failed_create_does_not_burn_the_idempotency_key(book, api_as):
    client = api_as(book["seat"])
    headers = {"Idempotency-Key": "retry-me"}
    bad = client.post(
        "/api/customers",
        {"name": "x", "phone": "123"},
        content_type="application/json",
        headers=headers,
    )
    good = client.post(
        "/api/customers",
        {"name": "x", "phone": "13700002222"},
        content_type="application/json",
        headers=headers,
    )
    assert (bad.status_code, good.status_code) == (400, 201)


def test_key_reused_for_another_kind_of_object_is_409(book, api_as):
    client = api_as(book["seat"])
    headers = {"Idempotency-Key": "k2"}
    client.post("/api/customers", {"name": "甲"}, content_type="application/json", headers=headers)
    response = client.post(
        "/api/vehicles",
        {"owner_id": book["mine"].pk, "plate": "浙A12345"},
        content_type="application/json",
        headers=headers,
    )
    assert (response.status_code, response.json()["code"]) == (409, "idempotency_key_reused")


def test_openapi_document_lists_every_path(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert sorted(schema["paths"]) == [
        "/api/alliance/redemptions",
        "/api/alliance/redemptions/{redemption_id}/reversal",
        "/api/alliance/vouchers",
        "/api/claims",
        "/api/claims-report",
        "/api/claims-reserves",
        "/api/claims-shop",
        "/api/claims-shop/{claim_id}",
        "/api/claims/reserve-changes/{change_id}",
        "/api/claims/{claim_id}",
        "/api/claims/{claim_id}/payment",
        "/api/claims/{claim_id}/payments",
        "/api/claims/{claim_id}/recoveries",
        "/api/claims/{claim_id}/reserves",
        "/api/claims/{claim_id}/transitions",
        "/api/complaints",
        "/api/complaints/{complaint_id}",
        "/api/complaints/{complaint_id}/events",
        "/api/complaints/{complaint_id}/steps",
        "/api/customers",
        "/api/customers/search",
        "/api/customers/{customer_id}",
        "/api/customers/{customer_id}/consents",
        "/api/ecosystem/commissions/statements",
        "/api/ecosystem/commissions/statements/{statement_id}",
        "/api/ecosystem/partners/{partner_id}/scorecard",
        "/api/ecosystem/partners/{partner_id}/scorecard/{figure}",
        "/api/ecosystem/scorecards",
        "/api/interactions",
        "/api/interactions/{interaction_id}",
        "/api/policies",
        "/api/policies/{policy_id}",
        "/api/policies/{policy_id}/endorsements",
        "/api/transfers/{transfer_id}",
        "/api/underwriting/referrals",
        "/api/underwriting/referrals/{referral_id}/decision",
        "/api/vehicles",
        "/api/vehicles/{vehicle_id}",
        "/api/vehicles/{vehicle_id}/transfer",
    ]
    assert set(schema["components"]["securitySchemes"]) == {"BearerTokenAuth", "SessionAuth"}
    assert schema["components"]["schemas"]["PolicyOut"]["properties"]["premium"]["type"] == "string"


def test_docs_page_renders(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert b"openapi.json" in response.content
