"""Ownership transfer over the API: POST /api/vehicles/{id}/transfer with exact refunds,
errors with code and field, idempotent; a policy's parties and endorsements on read."""

import datetime as dt
from decimal import Decimal

import pytest

from carecircle.core import clock
from carecircle.core.roles import Role
from carecircle.policies.models import OwnershipTransfer
from carecircle.policies.policy_parties import default_parties_for
from tests.factories import CustomerFactory, PolicyFactory, UserFactory, VehicleFactory
from tests.factories.core import SH

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 10, 10, 0, tzinfo=SH)


@pytest.fixture(autouse=True)
def _today():
    with clock.frozen_at(NOW):
        yield


@pytest.fixture
def sale():
    seller, buyer = CustomerFactory(), CustomerFactory()
    car = VehicleFactory(owner=seller)
    commercial = PolicyFactory(vehicle=car, customer=seller)  # 2025-06-01 → 2026-06-01
    compulsory = PolicyFactory(
        vehicle=car, customer=seller, kind="compulsory", premium=Decimal("950.00")
    )
    default_parties_for([commercial, compulsory])
    return {"seller": seller, "buyer": buyer, "car": car, "c": commercial, "z": compulsory}


def post(client, car, body, **headers):
    return client.post(
        f"/api/vehicles/{car.pk}/transfer", body, content_type="application/json", **headers
    )


def test_a_cancelling_transfer_answers_with_each_endorsement_and_the_exact_refund(
    sale, manager, api_as
):
    body = {"new_owner_id": sale["buyer"].pk, "on": "2026-03-01", "in_force": "cancel"}
    response = post(api_as(manager), sale["car"], body)
    assert response.status_code == 201
    out = response.json()
    assert (out["from_owner_id"], out["to_owner_id"], out["on"], out["in_force"]) == (
        sale["seller"].pk,
        sale["buyer"].pk,
        "2026-03-01",
        "cancel",
    )
    by_policy = {e["policy_no"]: e for e in out["endorsements"]}
    assert by_policy[sale["c"].policy_no]["kind"] == "cancellation"
    assert by_policy[sale["c"].policy_no]["refund"] == "695.67"
    assert (by_policy[sale["z"].policy_no]["kind"], by_policy[sale["z"].policy_no]["refund"]) == (
        "transfer",
        None,
    )


def test_the_same_request_again_returns_the_first_transfer(sale, manager, api_as):
    client = api_as(manager)
    body = {"new_owner_id": sale["buyer"].pk, "on": "2026-03-01", "in_force": "transfer"}
    first = post(client, sale["car"], body)
    again = post(client, sale["car"], body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert OwnershipTransfer.objects.count() == 1


def test_a_replayed_idempotency_key_returns_the_first_transfer(sale, manager, api_as):
    client = api_as(manager)
    body = {"new_owner_id": sale["buyer"].pk, "on": "2026-03-01", "in_force": "transfer"}
    first = post(client, sale["car"], body, HTTP_IDEMPOTENCY_KEY="k-1")
    again = post(client, sale["car"], body, HTTP_IDEMPOTENCY_KEY="k-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"on": "2026-03-01", "in_force": "transfer"}, 409, "same_owner", "new_owner_id"),
        ({"on": "2026-03-11", "in_force": "transfer"}, 400, "transfer_in_future", "on"),
        ({"on": "2026-03-01", "in_force": "keep"}, 400, "in_force", "in_force"),
    ],
)
def test_refusals_name_the_rule_and_the_field(sale, manager, api_as, body, status, code, field):
    if code != "same_owner":
        body = {"new_owner_id": sale["buyer"].pk, **body}
    else:
        body = {"new_owner_id": sale["seller"].pk, **body}
    response = post(api_as(manager), sale["car"], body)
    assert response.status_code == status
    assert (response.json()["code"], response.json()["field"]) == (code, field)
    assert OwnershipTransfer.objects.count() == 0


def test_a_seat_may_not_transfer(sale, api_as):
    seat = UserFactory(role=Role.SEAT)
    sale["seller"].owner = seat
    sale["seller"].save()
    sale["buyer"].owner = seat
    sale["buyer"].save()
    body = {"new_owner_id": sale["buyer"].pk, "on": "2026-03-01", "in_force": "transfer"}
    assert post(api_as(seat), sale["car"], body).status_code == 403


def test_a_vehicle_or_buyer_outside_the_scope_is_a_404(sale, api_as):
    agent = UserFactory(role=Role.SALES_AGENT)
    body = {"new_owner_id": sale["buyer"].pk, "on": "2026-03-01", "in_force": "transfer"}
    assert post(api_as(agent), sale["car"], body).status_code == 404
    sale["seller"].owner = agent
    sale["seller"].save()
    assert post(api_as(agent), sale["car"], body).status_code == 404  # the buyer is not theirs


def test_a_policy_lists_its_parties_by_role_and_its_endorsements(sale, manager, api_as):
    client = api_as(manager)
    body = {"new_owner_id": sale["buyer"].pk, "on": "2026-03-01", "in_force": "transfer"}
    transfer_id = post(client, sale["car"], body).json()["id"]
    policy = client.get(f"/api/policies/{sale['c'].pk}").json()
    assert policy["customer_id"] == sale["seller"].pk
    assert [(p["role"], p["customer_id"], p["since"]) for p in policy["parties"]] == [
        ("applicant", sale["seller"].pk, None),
        ("insured", sale["buyer"].pk, "2026-03-01"),
        ("owner", sale["buyer"].pk, "2026-03-01"),
    ]
    endorsements = client.get(f"/api/policies/{sale['c'].pk}/endorsements").json()
    assert [(e["kind"], e["transfer_id"], e["effective_on"]) for e in endorsements] == [
        ("transfer", transfer_id, "2026-03-01")
    ]
    assert client.get(f"/api/transfers/{transfer_id}").json()["to_owner_id"] == sale["buyer"].pk


def test_a_policy_without_parties_reads_as_its_customer_the_policyholder(manager, api_as):
    policy = PolicyFactory()
    parties = api_as(manager).get(f"/api/policies/{policy.pk}").json()["parties"]
    assert parties == [
        {
            "role": "policyholder",
            "customer_id": policy.customer_id,
            "contact_id": None,
            "since": None,
        }
    ]
