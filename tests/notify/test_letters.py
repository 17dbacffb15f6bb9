"""The letters page (/notify/letters/): staff who send messages see the legal notices no channel
delivered and record each letter posted with its tracking number — the recorded dispatch the
legal clock stops on. Anonymous, unprivileged and privileged users; nothing changes when
refused."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from carecircle.core import clock
from carecircle.core.models import AuditLog
from carecircle.core.roles import Role
from carecircle.notify.models import LetterTask
from tests.factories import LetterTaskFactory, UserFactory
from tests.notify.helpers import MORNING

pytestmark = pytest.mark.django_db
PASSWORD = "pw-for-tests-1"


@pytest.fixture
def clerk(client):
    user = UserFactory(username="svc", role=Role.SERVICE_MANAGER)
    client.login(username="svc", password=PASSWORD)
    return user


def test_the_letters_page_needs_a_login(client):
    task = LetterTaskFactory()
    assert client.get("/notify/letters/").status_code == 302
    response = client.post(f"/notify/letters/{task.pk}/posted/", {"tracking_no": "EMS1"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login") or "login" in response["Location"]
    task.refresh_from_db()
    assert task.posted_at is None


@pytest.mark.parametrize("role", [Role.SEAT, Role.SALES_AGENT])
def test_staff_who_neither_send_messages_nor_handle_claims_are_refused_and_nothing_changes(
    client, role, dispatched
):
    task = LetterTaskFactory()
    UserFactory(username="other", role=role)
    client.login(username="other", password=PASSWORD)
    assert client.get("/notify/letters/").status_code == 403
    response = client.post(f"/notify/letters/{task.pk}/posted/", {"tracking_no": "EMS1"})
    assert response.status_code == 403
    task.refresh_from_db()
    assert (task.posted_at, task.tracking_no) == (None, "")
    assert dispatched == []


def test_open_letters_are_listed_oldest_first_with_the_masked_address(client, clerk):
    newer = LetterTaskFactory(created_at=MORNING)
    older = LetterTaskFactory(created_at=MORNING.replace(hour=8))
    LetterTaskFactory(posted_at=MORNING, posted_by=clerk, tracking_no="EMS0")
    response = client.get("/notify/letters/")
    assert response.status_code == 200
    assert [t.pk for t in response.context["open_letters"]] == [older.pk, newer.pk]
    assert [t.tracking_no for t in response.context["posted_letters"]] == ["EMS0"]
    page = response.content.decode()
    assert "浙江省杭州市文三路1****" in page
    assert f'data-letter="{older.pk}"' in page


def test_the_letters_page_reads_the_same_queries_for_one_letter_or_ten(client, clerk):
    LetterTaskFactory()
    with CaptureQueriesContext(connection) as one:
        client.get("/notify/letters/")
    for _ in range(9):
        LetterTaskFactory()
    with CaptureQueriesContext(connection) as ten:
        client.get("/notify/letters/")
    assert len(ten) == len(one)


def test_recording_a_letter_posted_closes_the_task_sends_the_message_and_announces_it(
    client, clerk, dispatched, django_capture_on_commit_callbacks
):
    task = LetterTaskFactory()
    with clock.frozen_at(MORNING), django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/notify/letters/{task.pk}/posted/", {"tracking_no": "EMS99CN"})
    assert response.status_code == 302
    assert response["Location"] == "/notify/letters/"
    task.refresh_from_db()
    message = task.message
    message.refresh_from_db()
    assert (task.posted_at, task.posted_by, task.tracking_no) == (MORNING, clerk, "EMS99CN")
    assert (message.status, message.sent_at, message.provider_ref) == ("sent", MORNING, "EMS99CN")
    assert dispatched == [
        {"message_id": message.pk, "dedupe_key": message.dedupe_key, "at": MORNING}
    ]
    assert AuditLog.objects.filter(
        object_type="notify.lettertask", object_id=str(task.pk), actor=clerk
    ).exists()
    assert client.get("/notify/letters/").context["open_letters"] == []


def test_a_posting_without_a_tracking_number_is_refused_and_the_task_stays_open(
    client, clerk, dispatched
):
    task = LetterTaskFactory()
    response = client.post(f"/notify/letters/{task.pk}/posted/", {"tracking_no": ""})
    assert response.status_code == 400
    assert response.context["failed_pk"] == task.pk
    assert LetterTask.objects.open().count() == 1
    assert dispatched == []


def test_a_letter_posted_twice_is_refused_the_second_time(
    client, clerk, dispatched, django_capture_on_commit_callbacks
):
    task = LetterTaskFactory()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/notify/letters/{task.pk}/posted/", {"tracking_no": "EMS1"})
        response = client.post(f"/notify/letters/{task.pk}/posted/", {"tracking_no": "EMS2"})
    assert response.status_code == 400
    assert "already posted" in response.content.decode()
    task.refresh_from_db()
    assert task.tracking_no == "EMS1"
    assert len(dispatched) == 1


def test_a_claims_handler_posts_the_legal_letter_its_clock_waits_on(
    client, dispatched, django_capture_on_commit_callbacks
):
    """Every legal notice today is a claim's (Art 22/24): a claims handler, who has no
    send-messages permission, sees the letters in the menu and records one posted."""
    task = LetterTaskFactory()
    UserFactory(username="handler", role=Role.CLAIMS_HANDLER)
    client.login(username="handler", password=PASSWORD)
    page = client.get("/notify/letters/")
    assert page.status_code == 200
    assert 'href="/notify/letters/"' in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/notify/letters/{task.pk}/posted/", {"tracking_no": "EMS7"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.tracking_no == "EMS7" and task.posted_by.username == "handler"
    assert len(dispatched) == 1
