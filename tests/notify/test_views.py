"""Notify pages: the unsubscribe link (confirmed by a POST) and the message log."""

import pytest

from carecircle.core.roles import Role
from carecircle.notify.links import unsubscribe_path
from carecircle.notify.models import OutboxEntry, Unsubscribe
from tests.factories import CustomerFactory, UserFactory
from tests.notify.helpers import send

pytestmark = pytest.mark.django_db


def test_the_unsubscribe_link_opts_out_on_confirmation_and_only_from_marketing(
    at_ten, client, django_capture_on_commit_callbacks
):
    customer = CustomerFactory(marketing_consent=True)
    first = send(customer, purpose="marketing", capture=django_capture_on_commit_callbacks)
    assert unsubscribe_path(first.pk) in OutboxEntry.objects.get(message=first).payload["text"]

    response = client.post(unsubscribe_path(first.pk))  # the confirmation page's button
    assert response.status_code == 200
    assert "已退订营销消息" in response.content.decode()
    assert (
        Unsubscribe.objects.filter(customer=customer, purpose="marketing", channel="").count() == 1
    )

    again = send(customer, purpose="marketing", capture=django_capture_on_commit_callbacks)
    notice = send(customer, purpose="service", capture=django_capture_on_commit_callbacks)
    assert (again.status, again.block_reason) == ("blocked", "unsubscribed")
    assert notice.status == "sent"

    client.post(unsubscribe_path(first.pk) + "undo/")
    assert Unsubscribe.objects.filter(customer=customer).count() == 0


def test_a_forged_unsubscribe_link_is_refused(client):
    response = client.get("/notify/u/not-a-signed-token/")
    assert response.status_code == 404
    assert Unsubscribe.objects.count() == 0


def test_the_message_log_is_for_staff_who_send_messages(client):
    UserFactory(username="svc", role=Role.SERVICE_MANAGER)
    UserFactory(username="seat1", role=Role.SEAT)
    client.login(username="seat1", password="pw-for-tests-1")
    assert client.get("/notify/").status_code == 403
    client.login(username="svc", password="pw-for-tests-1")
    assert client.get("/notify/").status_code == 200
