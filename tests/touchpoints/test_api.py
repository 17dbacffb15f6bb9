"""The touchpoints API. Interactions: staff record contacts on customers they can see.
Complaints: recorded from any channel (once per Idempotency-Key), listed within the caller's
scope, worked through the workflow (a retried step is applied once)."""

import datetime as dt

import pytest
from django.utils import timezone

from carecircle.core import clock
from carecircle.core.roles import Role
from carecircle.touchpoints.models import Complaint, ComplaintEvent, Interaction
from tests.factories import (
    SH,
    CustomerFactory,
    InteractionFactory,
    PartnerFactory,
    PolicyFactory,
    UserFactory,
)
from tests.factories import PlainClaimFactory as ClaimFactory

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


# ------------------------------------------------------------------ complaints

NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SH)


@pytest.fixture
def people():  # the cast of the API tests (conftest's ``people`` is the complaint staff)
    customer = CustomerFactory(name="周杰伦")
    shop = PartnerFactory()
    return {
        "customer": customer,
        "other": CustomerFactory(),
        "shop": shop,
        "handler": UserFactory(username="svc", role=Role.SERVICE_MANAGER),
        "seat": UserFactory(username="seat", role=Role.SEAT),
        "shop_user": UserFactory(username="vw", role=Role.PARTNER_USER, partner=shop),
        "customer_user": UserFactory(username="cust", role=Role.CUSTOMER, customer=customer),
    }


def _body(customer, **kw):
    return {
        "customer_id": customer.pk,
        "channel": "wechat",
        "category": "speed",
        "severity": "normal",
        "touchpoint": "claims",
        "summary": "理赔太慢 / payment late",
    } | kw


def test_a_complaint_from_any_channel_is_recorded_once_per_idempotency_key(api_as, people):
    client = api_as(people["handler"])
    claim = ClaimFactory(policy=PolicyFactory(vehicle__owner=people["customer"]))
    body = _body(people["customer"], claim_id=claim.pk, partner_id=people["shop"].pk)
    with clock.frozen_at(NOW):
        first = client.post(
            "/api/complaints", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k1"
        )
        again = client.post(
            "/api/complaints", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k1"
        )
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    data = first.json()
    assert (data["channel"], data["status"], data["claim_id"], data["partner_id"]) == (
        "wechat",
        "received",
        claim.pk,
        people["shop"].pk,
    )
    assert data["due_at"] == "2026-03-09T10:00:00+08:00"  # normal: 7 days
    assert data["overdue"] is False
    assert Complaint.objects.count() == 1


def test_bad_complaint_input_is_refused_with_the_field_at_fault(api_as, people):
    client = api_as(people["handler"])
    other_claim = ClaimFactory(policy=PolicyFactory(vehicle__owner=people["other"]))
    unknown = client.post(
        "/api/complaints",
        _body(people["customer"], channel="pigeon"),
        content_type="application/json",
    )
    assert (unknown.status_code, unknown.json()["code"], unknown.json()["field"]) == (
        400,
        "unknown_channel",
        "channel",
    )
    foreign = client.post(
        "/api/complaints",
        _body(people["customer"], claim_id=other_claim.pk),
        content_type="application/json",
    )
    assert (foreign.status_code, foreign.json()["code"]) == (400, "claim_not_customers")
    assert Complaint.objects.count() == 0


def test_complaints_are_listed_within_the_callers_scope(api_as, people):
    handler = api_as(people["handler"])
    for customer in (people["customer"], people["other"]):
        with clock.frozen_at(NOW):
            handler.post("/api/complaints", _body(customer), content_type="application/json")
    assert len(handler.get("/api/complaints").json()["items"]) == 2
    own = api_as(people["customer_user"]).get("/api/complaints").json()["items"]
    assert [c["customer_id"] for c in own] == [people["customer"].pk]
    assert api_as(people["shop_user"]).get("/api/complaints").status_code == 403
    assert api_as(people["seat"]).get("/api/complaints").status_code == 403
    stranger = Complaint.objects.get(customer=people["other"])
    assert api_as(people["customer_user"]).get(f"/api/complaints/{stranger.pk}").status_code == 404
    with clock.frozen_at(NOW + dt.timedelta(days=8)):  # past the 7-day deadline
        overdue = handler.get("/api/complaints", {"status": "overdue"}).json()["items"]
    assert len(overdue) == 2 and all(c["overdue"] for c in overdue)


def test_a_complaints_life_through_the_api_with_a_retried_step_applied_once(api_as, people):
    handler = api_as(people["handler"])
    with clock.frozen_at(NOW):
        pk = handler.post(
            "/api/complaints", _body(people["customer"]), content_type="application/json"
        ).json()["id"]
    url = f"/api/complaints/{pk}/steps"
    started = handler.post(url, {"action": "start"}, content_type="application/json")
    assert started.json()["status"] == "in_progress"
    resolve = {"action": "resolve", "resolution": "已加急支付", "compensation": "200.00"}
    first = handler.post(url, resolve, content_type="application/json", HTTP_IDEMPOTENCY_KEY="r1")
    retry = handler.post(url, resolve, content_type="application/json", HTTP_IDEMPOTENCY_KEY="r1")
    assert (first.status_code, retry.status_code) == (200, 200)
    assert retry.json()["status"] == "resolved" and retry.json()["compensation"] == "200.00"
    unkeyed = handler.post(url, resolve, content_type="application/json")
    assert (unkeyed.status_code, unkeyed.json()["code"]) == (409, "transition_not_allowed")
    customer = api_as(people["customer_user"])
    closed = customer.post(url, {"action": "confirm"}, content_type="application/json")
    assert (closed.json()["status"], closed.json()["customer_confirmed"]) == ("closed", True)
    events = handler.get(f"/api/complaints/{pk}/events").json()
    assert [e["action"] for e in events] == ["receive", "start", "resolve", "confirm"]
    assert ComplaintEvent.objects.filter(complaint_id=pk, action="resolve").count() == 1


def test_a_customer_cannot_work_a_complaint_and_a_partner_cannot_record_one(api_as, people):
    handler = api_as(people["handler"])
    with clock.frozen_at(NOW):
        pk = handler.post(
            "/api/complaints", _body(people["customer"]), content_type="application/json"
        ).json()["id"]
    customer = api_as(people["customer_user"])
    refused = customer.post(
        f"/api/complaints/{pk}/steps",
        {"action": "resolve", "resolution": "自己解决"},
        content_type="application/json",
    )
    assert refused.status_code == 403
    partner = api_as(people["shop_user"]).post(
        "/api/complaints", _body(people["customer"]), content_type="application/json"
    )
    assert partner.status_code == 403
    assert Complaint.objects.get(pk=pk).status == "received"
