"""Workspace pages: the queue's order, the task page, who may see what, the CTI webhook."""

import json

import pytest
from django.urls import reverse

from carecircle.core.roles import Role
from carecircle.renewals.models import Assignment, Contact, RenewalTask
from carecircle.renewals.pipeline import run_pipeline
from tests.factories import UserFactory

from .conftest import expiring, make_seat

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(today):
    seat = make_seat("seat1")
    callable_ = expiring(35, premium="3000.00")
    not_yet = expiring(60, premium="9000.00")
    no_consent = expiring(30, consent=False, premium="9000.00")
    run_pipeline()
    task = {p: RenewalTask.objects.get(policy=p) for p in (callable_, not_yet, no_consent)}
    return seat, task[callable_], task[not_yet], task[no_consent]


def test_queue_puts_callable_work_first_and_customers_who_may_not_be_called_last(client, book):
    seat, callable_, not_yet, no_consent = book
    client.force_login(seat)
    response = client.get(reverse("renewals:queue"))
    assert response.status_code == 200
    assert [t.pk for t in response.context["tasks"]] == [callable_.pk, not_yet.pk, no_consent.pk]
    assert response.context["callable"] == 1
    assert "不可外呼" in response.content.decode()


def test_task_page_shows_quote_preview_script_and_holds_the_task(client, book):
    seat, task, *_ = book
    client.force_login(seat)
    response = client.get(reverse("renewals:task", args=[task.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "¥3,255.00" in body  # preview total, docs/renewals.md example
    assert "(-15.6%)" in body  # change vs last year
    assert "本次通话将全程录音" in body
    task.refresh_from_db()
    assert task.locked_by == seat


def test_second_seat_gets_409_naming_the_holder(client, book):
    seat, task, *_ = book
    other = make_seat("seat2")
    client.force_login(seat)
    client.get(reverse("renewals:task", args=[task.pk]))
    RenewalTask.objects.filter(pk=task.pk).update(assignee=other)
    task.customer.owner = other  # reassigned: the customer moves with the renewal
    task.customer.save()
    client.force_login(other)
    response = client.get(reverse("renewals:task", args=[task.pk]))
    assert response.status_code == 409
    assert "seat1" in response.content.decode()


def test_a_seat_cannot_open_another_seats_customer(client, book):
    _, task, *_ = book
    stranger = make_seat("seat3")
    client.force_login(stranger)
    assert client.get(reverse("renewals:task", args=[task.pk])).status_code == 404


def test_blocked_call_from_the_page_shows_the_rule(client, book):
    seat, _, _, no_consent = book
    client.force_login(seat)
    response = client.post(reverse("renewals:call", args=[no_consent.pk]), follow=True)
    assert "未明示同意营销联系" in response.content.decode()
    assert Contact.objects.count() == 0


def test_pipeline_page_is_for_supervisors_who_can_build_and_reassign(client, book):
    seat, task, *_ = book
    client.force_login(seat)
    assert client.get(reverse("renewals:pipeline")).status_code == 403
    manager = UserFactory(username="boss", role=Role.MANAGER)
    client.force_login(manager)
    assert client.get(reverse("renewals:pipeline")).status_code == 200
    target = make_seat("seat9")
    response = client.post(
        reverse("renewals:pipeline"),
        {"action": "reassign", "tasks": str(task.pk), "to_user": target.pk, "note": "休假 / leave"},
        follow=True,
    )
    assert "1" in response.content.decode()
    task.refresh_from_db()
    assert task.assignee == target
    assert task.customer.owner == target
    assert Assignment.objects.filter(reason="manual", by=manager, to_user=target).count() == 1


def test_cti_webhook_needs_the_token_and_stores_the_recording(client, book, settings):
    seat, task, *_ = book
    settings.CARECIRCLE_CTI = "carecircle.renewals.cti.NeverConnects"
    from carecircle.renewals import services

    contact = services.place_call(task, seat)
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


def test_a_bad_bulk_reassignment_is_refused_with_a_message_not_an_error_page(client, book):
    _seat, task, *_ = book
    manager = UserFactory(username="boss2", role=Role.MANAGER)
    client.force_login(manager)
    target = make_seat("seat8")
    response = client.post(
        reverse("renewals:pipeline"),
        {"action": "reassign", "tasks": "12,abc", "to_user": target.pk, "note": "x"},
        follow=True,
    )
    assert response.status_code == 200
    assert "续保编号须为数字" in response.content.decode()
    task.refresh_from_db()
    assert task.assignee != target
