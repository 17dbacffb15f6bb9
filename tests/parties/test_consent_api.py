"""GET/POST /api/customers/{id}/consents: the same scope as the customer (404 outside it),
partners see no consents, and a change is recorded through parties.consent with its source."""

import json

import pytest

from carecircle.core.models import AuditLog
from carecircle.core.roles import Role
from carecircle.parties import consent
from carecircle.parties.models_consent import ConsentEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _post(client, customer, body):
    return client.post(
        f"/api/customers/{customer.pk}/consents",
        data=json.dumps(body),
        content_type="application/json",
    )


def test_a_seat_records_phone_marketing_from_a_call_recording_for_their_own_customer(book, api_as):
    client = api_as(book["seat"])
    body = {
        "purpose": "marketing",
        "channel": "phone",
        "action": "grant",
        "source": "call_recording",
    }
    response = _post(client, book["mine"], body)
    assert response.status_code == 201
    out = response.json()
    assert out["changed"] is True
    assert (out["event"]["key"], out["event"]["action"], out["event"]["source"]) == (
        "marketing:phone",
        "grant",
        "call_recording",
    )
    assert (out["event"]["wording"], out["event"]["recorded_by_id"]) == (
        "marketing-v1",
        book["seat"].pk,
    )
    states = {c["key"]: c["status"] for c in out["current"]}
    assert states == {
        "marketing:phone": "granted",
        "marketing:sms": "never",
        "marketing:wechat": "never",
        "marketing:email": "never",
        "automated": "never",
    }
    again = _post(client, book["mine"], body)
    assert (again.status_code, again.json()["changed"], again.json()["event"]) == (200, False, None)
    assert AuditLog.objects.filter(object_type="parties.consentevent").count() == 1


def test_the_history_lists_every_event_newest_first(book, api_as):
    customer = book["mine"]
    consent.grant(customer, "automated", source="import", acting_user=None)
    consent.withdraw(customer, "automated", source="import", acting_user=None)
    response = api_as(book["seat"]).get(f"/api/customers/{customer.pk}/consents")
    assert response.status_code == 200
    body = response.json()
    assert [(e["key"], e["action"]) for e in body["history"]] == [
        ("automated", "withdraw"),
        ("automated", "grant"),
    ]
    assert body["restricted"] is False


def test_outside_the_scope_the_consents_are_404_for_reading_and_writing(book, api_as):
    client = api_as(book["seat"])
    assert client.get(f"/api/customers/{book['theirs'].pk}/consents").status_code == 404
    body = {"purpose": "automated", "action": "grant", "source": "paper_form"}
    assert _post(client, book["theirs"], body).status_code == 404
    assert not ConsentEvent.objects.exists()


def test_a_partner_sees_no_consents_even_of_a_customer_it_brought(book, api_as):
    response = api_as(book["partner_user"]).get(f"/api/customers/{book['referred'].pk}/consents")
    assert response.status_code == 404


def test_staff_must_name_the_evidence_and_a_customer_records_only_from_the_phone_page(book, api_as):
    body = {"purpose": "marketing", "channel": "sms", "action": "grant", "source": "phone_page"}
    refused = _post(api_as(book["seat"]), book["mine"], body)
    assert (refused.status_code, refused.json()["code"]) == (400, "consent_source")
    own = api_as(UserFactory(role=Role.CUSTOMER, customer=book["mine"]))
    assert _post(own, book["mine"], body).status_code == 201
    as_staff = {**body, "source": "paper_form"}
    refused = _post(own, book["mine"], as_staff)
    assert (refused.status_code, refused.json()["code"]) == (400, "consent_source")


def test_a_marketing_grant_without_a_channel_is_refused(book, api_as):
    body = {"purpose": "marketing", "action": "grant", "source": "paper_form"}
    response = _post(api_as(book["seat"]), book["mine"], body)
    assert (response.status_code, response.json()["code"]) == (400, "consent_channel")


def test_the_customer_apis_marketing_flag_is_recorded_as_consent_on_every_channel(book, api_as):
    client = api_as(book["manager"])
    response = client.patch(
        f"/api/customers/{book['mine'].pk}",
        data=json.dumps({"marketing_consent": True}),
        content_type="application/json",
    )
    assert (response.status_code, response.json()["marketing_consent"]) == (200, True)
    assert sorted(
        ConsentEvent.objects.filter(customer=book["mine"]).values_list("key", "source")
    ) == [
        ("marketing:email", "import"),
        ("marketing:phone", "import"),
        ("marketing:sms", "import"),
        ("marketing:wechat", "import"),
    ]
    response = client.patch(
        f"/api/customers/{book['mine'].pk}",
        data=json.dumps({"marketing_consent": False}),
        content_type="application/json",
    )
    assert response.json()["marketing_consent"] is False
    assert consent.allows(book["mine"], "marketing") is False
    assert ConsentEvent.objects.filter(customer=book["mine"], action="withdraw").count() == 4
