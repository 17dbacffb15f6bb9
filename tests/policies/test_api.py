"""Policies over the API: every invariant refused with code, field and message; nothing written."""

import datetime as dt
from decimal import Decimal

import pytest

from carecircle.core.models import AuditLog
from carecircle.core.roles import Role
from carecircle.policies.models import Policy
from tests.factories import CoverageFactory, PolicyFactory, UserFactory, VehicleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent(book):
    user = UserFactory(username="agent", role=Role.SALES_AGENT)
    book["mine"].owner = user
    book["mine"].save()
    return user


@pytest.fixture
def car(book):
    return VehicleFactory(owner=book["mine"])


def payload(book, car, **overrides):
    base = {
        "policy_no": "PDAA2026000001",
        "kind": "commercial",
        "customer_id": book["mine"].pk,
        "vehicle_id": car.pk,
        "effective_date": "2026-06-01",
        "expiry_date": "2027-06-01",
        "premium": "2760.00",
        "ncd_level": -1,
        "pricing_coefficient": "0.85",
        "channel": "telesales",
        "coverages": [
            {"code": "vehicle_damage", "premium": "1760.00", "limit": "150000"},
            {"code": "third_party", "premium": "1000.00", "limit": "2000000"},
        ],
    }
    return base | overrides


def post(client, body):
    return client.post("/api/policies", body, content_type="application/json")


def test_agent_creates_policy_with_coverages_and_ladder_coefficient(book, agent, car, api_as):
    response = post(api_as(agent), payload(book, car))
    assert response.status_code == 201
    body = response.json()
    assert (body["premium"], body["currency"], body["ncd_level"], body["ncd_coefficient"]) == (
        "2760.00",
        "CNY",
        -1,
        "0.800",
    )
    assert body["pricing_coefficient"] == "0.850"
    assert body["coverages"] == [
        {"code": "third_party", "limit": "2000000.00", "premium": "1000.00"},
        {"code": "vehicle_damage", "limit": "150000.00", "premium": "1760.00"},
    ]
    assert AuditLog.objects.filter(action="create", object_type="policies.policy").count() == 1


@pytest.mark.parametrize(
    ("overrides", "status", "code", "field"),
    [
        ({"premium": "-1.00", "coverages": []}, 400, "negative_amount", "premium"),
        ({"expiry_date": "2026-05-31"}, 400, "expiry_not_after_effective", "expiry_date"),
        ({"expiry_date": "2026-06-01"}, 400, "expiry_not_after_effective", "expiry_date"),
        ({"channel": "pigeon"}, 400, "unknown_channel", "channel"),
        ({"kind": "life"}, 400, "unknown_kind", "kind"),
        ({"pricing_coefficient": "1.501"}, 400, "pricing_band", "pricing_coefficient"),
        ({"pricing_coefficient": "0.499"}, 400, "pricing_band", "pricing_coefficient"),
        ({"ncd_level": 6}, 400, "ncd_level", "ncd_level"),
        ({"premium": "2761.00"}, 400, "coverage_total", "coverages"),
        (
            {"coverages": [{"code": "wings", "premium": "2760.00"}]},
            400,
            "unknown_coverages",
            "coverages",
        ),
        ({"premium": "abc"}, 422, "decimal_parsing", "premium"),
    ],
)
def test_bad_policy_input_is_refused_and_nothing_written(
    book, agent, car, api_as, overrides, status, code, field
):
    response = post(api_as(agent), payload(book, car, **overrides))
    assert response.status_code == status
    body = response.json()
    assert (body["code"], body["field"]) == (code, field)
    assert " / " in body["message"]  # Chinese / English
    assert not Policy.objects.filter(policy_no="PDAA2026000001").exists()
    assert not AuditLog.objects.filter(object_type="policies.policy").exists()


def test_duplicate_policy_number_is_409(book, agent, car, api_as):
    PolicyFactory(policy_no="PDAA2026000001")
    response = post(api_as(agent), payload(book, car))
    assert response.status_code == 409
    assert (response.json()["code"], response.json()["field"]) == (
        "duplicate_policy_no",
        "policy_no",
    )


def test_pricing_band_ends_are_inside(book, agent, car, api_as):
    client = api_as(agent)
    low = post(client, payload(book, car, pricing_coefficient="0.5"))
    high = post(client, payload(book, car, policy_no="PDAA2026000002", pricing_coefficient="1.5"))
    assert (low.status_code, high.status_code) == (201, 201)


def test_renewal_links_previous_policy_of_same_vehicle(book, agent, car, api_as):
    previous = PolicyFactory(
        vehicle=car, effective_date=dt.date(2025, 6, 1), expiry_date=dt.date(2026, 6, 1)
    )
    response = post(api_as(agent), payload(book, car, renews_id=previous.pk))
    assert response.status_code == 201
    assert (response.json()["renews_id"], response.json()["renews_policy_no"]) == (
        previous.pk,
        previous.policy_no,
    )


def test_renewal_of_another_vehicles_policy_is_refused(book, agent, car, api_as):
    other = PolicyFactory(vehicle=VehicleFactory(owner=book["mine"]))
    response = post(api_as(agent), payload(book, car, renews_id=other.pk))
    assert (response.status_code, response.json()["code"]) == (400, "renews_other_vehicle")


def test_renewal_of_policy_still_running_is_refused(book, agent, car, api_as):
    previous = PolicyFactory(
        vehicle=car, effective_date=dt.date(2025, 7, 1), expiry_date=dt.date(2026, 7, 1)
    )
    response = post(api_as(agent), payload(book, car, renews_id=previous.pk))
    assert (response.status_code, response.json()["code"]) == (400, "renews_overlaps")


def test_seat_without_policy_permission_is_403_and_nothing_written(book, car, api_as):
    response = post(api_as(book["seat"]), payload(book, car))
    assert response.status_code == 403
    assert not Policy.objects.filter(policy_no="PDAA2026000001").exists()


def test_patch_premium_with_new_coverages_records_diff(book, agent, car, api_as):
    client = api_as(agent)
    created = post(client, payload(book, car)).json()
    response = client.patch(
        f"/api/policies/{created['id']}",
        {
            "premium": "3000",
            "ncd_level": 1,
            "coverages": [{"code": "vehicle_damage", "premium": "3000"}],
        },
        content_type="application/json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["premium"], body["ncd_coefficient"], len(body["coverages"])) == (
        "3000.00",
        "1.200",
        1,
    )
    entry = AuditLog.objects.get(action="update", object_type="policies.policy")
    assert entry.changes["premium"] == ["2760.00", "3000.00"]
    assert entry.changes["ncd_coefficient"] == ["0.800", "1.200"]


def test_patch_premium_breaking_coverage_total_is_refused(book, agent, car, api_as):
    client = api_as(agent)
    created = post(client, payload(book, car)).json()
    response = client.patch(
        f"/api/policies/{created['id']}", {"premium": "3000"}, content_type="application/json"
    )
    assert (response.status_code, response.json()["code"]) == (400, "coverage_total")
    assert Policy.objects.get(pk=created["id"]).premium == Decimal("2760.00")


def test_filters_by_expiry_range_in_force_kind_and_channel(book, api_as):
    car = VehicleFactory(owner=book["mine"])
    old = PolicyFactory(
        vehicle=car, effective_date=dt.date(2024, 6, 1), expiry_date=dt.date(2025, 6, 1)
    )
    new = PolicyFactory(
        vehicle=car,
        effective_date=dt.date(2025, 6, 1),
        expiry_date=dt.date(2026, 6, 1),
        channel="online",
    )
    client = api_as(book["manager"])

    def ids(**query):
        return [
            p["id"]
            for p in client.get("/api/policies", {"vehicle_id": car.pk, **query}).json()["items"]
        ]

    assert ids(in_force_on="2025-06-01") == [new.pk]
    assert ids(in_force_on="2025-05-31") == [old.pk]
    assert ids(expiry_from="2025-01-01", expiry_to="2025-12-31") == [old.pk]
    assert ids(channel="online") == [new.pk]
    assert ids(kind="compulsory") == []


def test_policy_list_query_count_is_bounded(book, api_as, django_assert_max_num_queries):
    previous = None
    car = VehicleFactory(owner=book["mine"])
    for year in range(10):
        previous = PolicyFactory(
            vehicle=car,
            effective_date=dt.date(2010 + year, 1, 1),
            expiry_date=dt.date(2011 + year, 1, 1),
            renews=previous,
        )
        CoverageFactory(policy=previous)
    client = api_as(book["manager"])
    # token lookup, token touch, page (with renewal join), coverages, parties (one prefetch
    # for the page: a policy's parties by role, or its customer as the policyholder).
    with django_assert_max_num_queries(5):
        response = client.get("/api/policies", {"limit": 100})
    assert len(response.json()["items"]) == 13
