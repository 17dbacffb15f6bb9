"""Vehicles over the API: identifiers validated, new-energy flag consistent with the plate."""

import pytest

from carecircle.parties.models import Vehicle
from tests.factories import CustomerFactory, PolicyFactory, VehicleFactory, make_vin

pytestmark = pytest.mark.django_db

VALID_VIN = "LATPAB071W1005301"


def post(client, payload):
    return client.post("/api/vehicles", payload, content_type="application/json")


def test_seat_adds_vehicle_to_own_customer(book, api_as):
    response = post(
        api_as(book["seat"]),
        {
            "owner_id": book["mine"].pk,
            "plate": "浙a-12345",
            "vin": VALID_VIN.lower(),
            "price": "150000.5",
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["plate"], body["vin"], body["new_energy"], body["price"]) == (
        "浙A12345",
        VALID_VIN,
        False,
        "150000.50",
    )


def test_new_energy_flag_follows_an_eight_character_plate(book, api_as):
    response = post(api_as(book["seat"]), {"owner_id": book["mine"].pk, "plate": "浙AD12345"})
    assert (response.status_code, response.json()["new_energy"]) == (201, True)


def test_new_energy_flag_contradicting_plate_is_400(book, api_as):
    response = post(
        api_as(book["seat"]), {"owner_id": book["mine"].pk, "plate": "浙A12345", "new_energy": True}
    )
    assert (response.status_code, response.json()["code"]) == (400, "new_energy_plate")
    assert response.json()["field"] == "new_energy"


@pytest.mark.parametrize(
    ("payload", "code", "field"),
    [
        ({"vin": "LATPAB071W1005302"}, "vin_checksum", "vin"),
        ({"vin": "LATPAB0I1W1005301"}, "vin_format", "vin"),
        ({"plate": "浙I12345"}, "plate_format", "plate"),
        ({"plate": "XX12345"}, "plate_format", "plate"),
    ],
)
def test_malformed_vin_or_plate_is_400(book, api_as, payload, code, field):
    before = Vehicle.objects.count()
    response = post(api_as(book["seat"]), {"owner_id": book["mine"].pk, **payload})
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == (code, field)
    assert Vehicle.objects.count() == before


def test_duplicate_vin_is_409(book, api_as):
    existing = VehicleFactory(owner=book["mine"])
    response = post(api_as(book["seat"]), {"owner_id": book["mine"].pk, "vin": existing.vin})
    assert (response.status_code, response.json()["code"]) == (409, "duplicate_vin")


def test_vehicle_for_customer_outside_scope_is_404(book, api_as):
    response = post(api_as(book["seat"]), {"owner_id": book["theirs"].pk, "plate": "浙A12345"})
    assert response.status_code == 404


def test_filters_by_plate_vin_and_customer(book, api_as):
    car = VehicleFactory(owner=book["mine"], plate="浙B88888", vin=make_vin(777))
    client = api_as(book["manager"])
    by_plate = client.get("/api/vehicles", {"plate": "浙B88888"}).json()["items"]
    by_vin = client.get("/api/vehicles", {"vin": car.vin}).json()["items"]
    by_customer = client.get("/api/vehicles", {"customer_id": book["mine"].pk}).json()["items"]
    assert [v["id"] for v in by_plate] == [car.pk]
    assert [v["id"] for v in by_vin] == [car.pk]
    assert sorted(v["id"] for v in by_customer) == sorted(
        book["mine"].vehicles.values_list("pk", flat=True)
    )


def test_partner_user_sees_only_referred_customers_vehicles(book, api_as):
    items = api_as(book["partner_user"]).get("/api/vehicles").json()["items"]
    assert {v["owner_id"] for v in items} == {book["referred"].pk}


def test_patch_plate_to_new_energy_updates_flag(book, api_as):
    car = VehicleFactory(owner=book["mine"], plate="浙A11111")
    response = api_as(book["seat"]).patch(
        f"/api/vehicles/{car.pk}", {"plate": "浙AF12345"}, content_type="application/json"
    )
    assert (response.status_code, response.json()["new_energy"]) == (200, True)


def test_vehicle_list_query_count_is_bounded(book, api_as, django_assert_max_num_queries):
    for _ in range(20):
        VehicleFactory(owner=book["seat"].owned_customers.first())
    client = api_as(book["seat"])
    with django_assert_max_num_queries(3):
        response = client.get("/api/vehicles", {"limit": 100})
    assert len(response.json()["items"]) == 21


def test_an_insured_vehicle_changes_owner_only_by_a_transfer_endorsement(book, api_as):
    """#15: a car with policies changes hands by 过户 (from a date, policies transferred or
    cancelled, NCD restarted) — a plain edit of its owner is refused and nothing changes."""
    car = VehicleFactory(owner=book["mine"])
    PolicyFactory(vehicle=car)
    other_of_mine = CustomerFactory(owner=book["seat"])
    response = api_as(book["seat"]).patch(
        f"/api/vehicles/{car.pk}", {"owner_id": other_of_mine.pk}, content_type="application/json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "transfer_required"
    car.refresh_from_db()
    assert car.owner_id == book["mine"].pk
