"""The pipeline page: for supervisors, who build the pipeline and reassign renewals."""

import pytest
from django.urls import reverse

from carecircle.core.roles import Role
from carecircle.renewals.models import Assignment
from tests.factories import UserFactory
from tests.renewals.conftest import make_seat

pytestmark = pytest.mark.django_db


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
