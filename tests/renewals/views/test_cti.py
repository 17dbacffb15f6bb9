"""The CTI platform's webhook: the shared token, bad events refused, the recording stored once."""

import json

import pytest
from django.urls import reverse

from carecircle.renewals.services import workspace

pytestmark = pytest.mark.django_db


def test_cti_webhook_needs_the_token_and_stores_the_recording(client, book, settings):
    seat, task, *_ = book
    settings.CARECIRCLE_CTI = "carecircle.renewals.cti.NeverConnects"
    contact = workspace.place_call(task, seat)
    url = reverse("renewals:cti_events")
    event = {
        "call_id": contact.call_id,
        "connected": True,
        "duration_s": 95,
        "recording_ref": "PBX-77",
    }
    assert client.post(url, json.dumps(event), content_type="application/json").status_code == 401
    settings.CARECIRCLE_CTI_TOKEN = "s3cret"
    auth = {"HTTP_AUTHORIZATION": "Bearer s3cret"}
    assert client.post(url, "{", content_type="application/json", **auth).status_code == 422
    ok = client.post(url, json.dumps(event), content_type="application/json", **auth)
    assert ok.status_code == 200
    contact.refresh_from_db()
    assert (contact.connected, contact.duration_s, contact.recording_ref) == (True, 95, "PBX-77")
    client.post(url, json.dumps(event), content_type="application/json", **auth)
    task.refresh_from_db()
    assert task.connected == 1  # a repeated event counts once
