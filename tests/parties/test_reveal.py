"""The audited reveal of full personal data from the customer 360 page (parties.views)."""

import pytest
from django.urls import reverse

from carecircle.core.models import AuditLog
from carecircle.core.roles import Role
from tests.factories import UserFactory, make_id_number
from tests.factories.history import customer_with_history

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(seat):
    customer, car, years, compulsory = customer_with_history(
        customer_no="C00000007", name="周杰", owner=seat
    )
    customer.set_phone("13712345678")
    customer.save()
    return {"customer": customer, "car": car, "years": years, "compulsory": compulsory}


def test_a_seat_may_reveal_the_full_phone_and_the_reveal_is_audited(history, seat, login):
    reveal = reverse("web:customer_reveal", args=[history["customer"].pk, "phone"])
    response = login(seat).post(reveal, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "13712345678" in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    assert list(AuditLog.objects.values_list("action", "actor", "object_id")) == [
        ("reveal_pii", seat.pk, str(history["customer"].pk))
    ]


def test_a_seat_may_reveal_the_full_id_number(history, seat, login):
    reveal = reverse("web:customer_reveal", args=[history["customer"].pk, "id_number"])
    response = login(seat).post(reveal)
    assert make_id_number(7) in response.content.decode()


def test_a_customer_may_not_reveal_and_gets_a_clear_refusal_that_is_audited(history, login):
    me = UserFactory(role=Role.CUSTOMER, customer=history["customer"])
    reveal = reverse("web:customer_reveal", args=[history["customer"].pk, "phone"])
    response = login(me).post(reveal)
    assert response.status_code == 403
    html = response.content.decode()
    assert "无权查看完整个人信息 / not allowed to see full personal data" in html
    assert "13712345678" not in html
    assert list(AuditLog.objects.values_list("action", flat=True)) == ["denied"]


def test_revealing_for_a_customer_outside_scope_is_a_404_and_reveals_nothing(history, login):
    other_seat = UserFactory(role=Role.SEAT)
    reveal = reverse("web:customer_reveal", args=[history["customer"].pk, "phone"])
    response = login(other_seat).post(reveal)
    assert response.status_code == 404
    assert AuditLog.objects.count() == 0


def test_reveal_needs_post(history, seat, login):
    reveal = reverse("web:customer_reveal", args=[history["customer"].pk, "phone"])
    assert login(seat).get(reveal).status_code == 405
    assert AuditLog.objects.count() == 0
