"""The customer's copy of their data: made by the worker as JSON in a ZIP, stored encrypted,
downloaded only by that customer, every download audited, gone after its period."""

import datetime as dt
import io
import json
import zipfile

import pytest
from django.core.files.storage import default_storage

from carecircle.core import clock
from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog
from carecircle.parties import consent
from carecircle.privacy.choices import ExportStatus, RequestKind
from carecircle.privacy.models import DataExport
from carecircle.privacy.services import exports, requests
from tests.factories import (
    ClaimDocumentFactory,
    ComplaintFactory,
    ContactFactory,
    InteractionFactory,
    MessageFactory,
    PlainClaimFactory,
    PolicyFactory,
    SurveyFactory,
    TierHistoryFactory,
    VehicleFactory,
    VoucherFactory,
)

from .conftest import NOW

FILES = [
    "README.txt",
    "manifest.json",
    "data/customer.json",
    "data/vehicles.json",
    "data/policies.json",
    "data/proposals.json",
    "data/claims.json",
    "data/repairs.json",
    "data/interactions.json",
    "data/messages.json",
    "data/contact_addresses.json",
    "data/calls.json",
    "data/vouchers.json",
    "data/complaints.json",
    "data/surveys.json",
    "data/referrals.json",
    "data/consents.json",
    "data/tier_history.json",
    "data/list_entries.json",
    "data/privacy_requests.json",
]


@pytest.fixture
def alice_book(world):
    alice = world["alice"]
    vehicle = VehicleFactory(owner=alice, plate="浙A12345")
    policy = PolicyFactory(vehicle=vehicle, policy_no="PDAA2025ALICE")
    claim = PlainClaimFactory(policy=policy, claim_no="CLMALICE1")
    ClaimDocumentFactory(claim=claim, original_name="现场照片.jpg")
    InteractionFactory(customer=alice)
    MessageFactory(customer=alice)
    ComplaintFactory(customer=alice)
    SurveyFactory(customer=alice)
    VoucherFactory(customer=alice, policy=policy)
    ContactFactory(customer=alice)
    TierHistoryFactory(customer=alice, tier="gold", reasons="tenure,loss_ratio")
    # Bob's rows must not appear in Alice's copy.
    PolicyFactory(vehicle=VehicleFactory(owner=world["bob"]), policy_no="PDAA2025BOB")
    return world


def ask(world, django_capture_on_commit_callbacks, who="alice"):
    with django_capture_on_commit_callbacks(execute=True):
        r = requests.submit(world[who], acting_user=world[f"{who}_login"], kind=RequestKind.EXPORT)
    return DataExport.objects.get(request=r)


def test_the_worker_makes_a_zip_of_everything_held_and_answers_the_request(
    alice_book, django_capture_on_commit_callbacks
):
    world = alice_book
    export = ask(world, django_capture_on_commit_callbacks)
    assert export.status == ExportStatus.READY
    assert export.ready_at == NOW
    assert export.expires_at == NOW + dt.timedelta(days=7)
    export.request.refresh_from_db()
    assert (export.request.status, export.request.decision) == ("answered", "granted")
    assert "2026-03-09 10:00" in export.request.answer

    _, raw = exports.open_for(export.pk, world["alice_login"])
    z = zipfile.ZipFile(io.BytesIO(raw))
    assert z.namelist() == FILES
    data = {n: json.loads(z.read(n)) for n in FILES if n.endswith(".json")}
    me = data["data/customer.json"][0]
    assert me["name"] == "张三"
    assert me["phone"] == exports._decrypt(world["alice"].phone_encrypted) != ""
    assert not any(k.endswith(("_encrypted", "_hash")) for k in me)
    assert [p["policy_no"] for p in data["data/policies.json"]] == ["PDAA2025ALICE"]
    claims = data["data/claims.json"]
    assert [c["claim_no"] for c in claims] == ["CLMALICE1"]
    assert [d["original_name"] for d in claims[0]["documents"]] == ["现场照片.jpg"]
    assert "file" not in claims[0]["documents"][0]
    assert data["data/vehicles.json"][0]["plate"] == "浙A12345"
    assert data["data/tier_history.json"][0]["tier"] == "gold"
    assert data["data/tier_history.json"][0]["decided_by"] == "rules"
    assert export.counts == data["manifest.json"]["counts"]
    assert data["manifest.json"]["counts"] | {} == {
        "customer": 1,
        "vehicles": 1,
        "policies": 1,
        "proposals": 0,
        "claims": 1,
        "repairs": 0,
        "interactions": 1,
        "messages": 1,
        "contact_addresses": 0,
        "calls": 1,
        "vouchers": 1,
        "complaints": 1,
        "surveys": 1,
        "referrals": 0,
        "consents": 0,
        "tier_history": 1,
        "list_entries": 0,
        "privacy_requests": 1,
    }
    # Staff identities are not the customer's data.
    assert "handler" not in claims[0] and "staff" not in data["data/interactions.json"][0]


def test_no_internal_figure_of_the_value_engine_is_in_the_copy(
    alice_book, django_capture_on_commit_callbacks
):
    export = ask(alice_book, django_capture_on_commit_callbacks)
    _, raw = exports.open_for(export.pk, alice_book["alice_login"])
    text = zipfile.ZipFile(io.BytesIO(raw)).read("data/tier_history.json").decode()
    assert "赔付率" not in text and "%" not in text
    assert "我们看了您近三年的理赔情况" in text


def test_the_file_is_encrypted_at_rest(alice_book, django_capture_on_commit_callbacks):
    export = ask(alice_book, django_capture_on_commit_callbacks)
    with default_storage.open(export.file_name, "rb") as fh:
        stored = fh.read()
    assert stored.startswith(b"v2:")  # sealed under a fingerprinted key (#21)
    assert not stored.startswith(b"PK")
    assert "张三".encode() not in stored and b"PDAA2025ALICE" not in stored
    assert zipfile.is_zipfile(io.BytesIO(exports.unseal(stored)))


def test_only_the_customer_downloads_and_each_download_is_audited(
    alice_book, django_capture_on_commit_callbacks
):
    world = alice_book
    export = ask(world, django_capture_on_commit_callbacks)
    for outsider in ("bob_login", "sm_a", "boss"):
        with pytest.raises(DomainError) as refused:
            exports.open_for(export.pk, world[outsider])
        assert refused.value.status == 404
    exports.open_for(export.pk, world["alice_login"])
    exports.open_for(export.pk, world["alice_login"])
    export.refresh_from_db()
    assert export.downloads == 2
    views = AuditLog.objects.filter(
        object_type="privacy.dataexport", object_id=str(export.pk), action="view"
    )
    assert [(v.actor, v.summary) for v in views] == [
        (world["alice_login"], f"data export downloaded by customer {world['alice'].pk}")
    ] * 2


def test_an_expired_file_is_refused(alice_book, django_capture_on_commit_callbacks):
    export = ask(alice_book, django_capture_on_commit_callbacks)
    with clock.frozen_at(NOW + dt.timedelta(days=7)), pytest.raises(DomainError) as gone:
        exports.open_for(export.pk, alice_book["alice_login"])
    assert gone.value.status == 410


def test_making_the_file_twice_changes_nothing(alice_book, django_capture_on_commit_callbacks):
    export = ask(alice_book, django_capture_on_commit_callbacks)
    name = export.file_name
    assert exports.build(export.pk) == ExportStatus.READY
    export.refresh_from_db()
    assert export.file_name == name
    assert DataExport.objects.count() == 1


def test_a_second_request_while_one_is_being_made_files_nothing_new(world):
    first = requests.submit(world["alice"], acting_user=world["alice_login"], kind="export")
    again = requests.submit(world["alice"], acting_user=world["alice_login"], kind="export")
    assert again.pk == first.pk
    assert DataExport.objects.get().status == ExportStatus.PENDING
    # The nightly catch-up queues it again (the immediate backend makes it at once).
    assert requests.retry_pending() == 1
    assert DataExport.objects.get().status == ExportStatus.READY


def test_the_copy_holds_each_consent_now_and_its_history(world, django_capture_on_commit_callbacks):
    alice, login = world["alice"], world["alice_login"]
    consent.grant(alice, "marketing", channel="sms", source="phone_page", acting_user=login)
    consent.withdraw(alice, "marketing", channel="sms", source="phone_page", acting_user=login)
    export = ask(world, django_capture_on_commit_callbacks)
    _, raw = exports.open_for(export.pk, login)
    consents = json.loads(zipfile.ZipFile(io.BytesIO(raw)).read("data/consents.json"))
    assert [(k["key"], k["withdrawn_at"] is not None) for k in consents["current"]] == [
        ("marketing:sms", True)
    ]
    assert [e["action"] for e in consents["history"]] == ["grant", "withdraw"]
    assert all("recorded_by" not in e for e in consents["history"])
    assert export.counts["consents"] == 3
