"""Interactions over the API: staff record contacts on customers they can see."""

import datetime as dt

import pytest
from django.utils import timezone

from carecircle.touchpoints.models import Interaction
from tests.factories import InteractionFactory

pytestmark = pytest.mark.django_db

WHEN = "2026-03-02T10:30:00+08:00"


def contact(customer, **overrides):
    base = {
        "customer_id": customer.pk,
        "contact_type": "phone",
        "medium": "phone",
        "direction": "outbound",
        "occurred_at": WHEN,
        "outcome": "reached",
        "summary": "续保提醒 / renewal reminder",
    }
    return base | overrides


def make(customer, staff, day, contact_type="phone"):
    return InteractionFactory(
        customer=customer,
        staff=staff,
        contact_type=contact_type,
        occurred_at=timezone.make_aware(dt.datetime(2026, 3, day, 12)),
    )


def test_seat_records_call_with_self_as_staff(book, api_as):
    response = api_as(book["seat"]).post(
        "/api/interactions", contact(book["mine"]), content_type="application/json"
    )
    assert response.status_code == 201
    assert (response.json()["staff_id"], response.json()["contact_type"]) == (
        book["seat"].pk,
        "phone",
    )


def test_unknown_contact_type_is_400(book, api_as):
    response = api_as(book["seat"]).post(
        "/api/interactions",
        contact(book["mine"], contact_type="pigeon"),
        content_type="application/json",
    )
    assert (response.status_code, response.json()["field"]) == (400, "contact_type")
    assert not Interaction.objects.exists()


def test_partner_user_cannot_record_and_nothing_is_written(book, api_as):
    response = api_as(book["partner_user"]).post(
        "/api/interactions", contact(book["referred"]), content_type="application/json"
    )
    assert response.status_code == 403
    assert not Interaction.objects.exists()


def test_list_filters_by_customer_type_and_date_range(book, api_as):
    first = make(book["mine"], book["seat"], 1)
    second = make(book["mine"], book["seat"], 5, contact_type="claims")
    make(book["theirs"], book["other_seat"], 3)
    client = api_as(book["seat"])

    def ids(**query):
        return [i["id"] for i in client.get("/api/interactions", query).json()["items"]]

    assert ids() == [second.pk, first.pk]  # newest first, own customers only
    assert ids(contact_type="claims") == [second.pk]
    assert ids(occurred_from="2026-03-02", occurred_to="2026-03-31") == [second.pk]
    assert ids(customer_id=book["theirs"].pk) == []


def test_patch_outcome(book, api_as):
    item = make(book["mine"], book["seat"], 1)
    response = api_as(book["seat"]).patch(
        f"/api/interactions/{item.pk}", {"outcome": "sold"}, content_type="application/json"
    )
    assert (response.status_code, response.json()["outcome"]) == (200, "sold")


def test_interaction_list_query_count_is_bounded(book, api_as, django_assert_max_num_queries):
    for day in range(1, 21):
        make(book["mine"], book["seat"], day)
    client = api_as(book["seat"])
    with django_assert_max_num_queries(3):
        response = client.get("/api/interactions", {"limit": 100})
    assert len(response.json()["items"]) == 20
