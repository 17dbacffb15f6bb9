"""Customers over the API: scoping per role, masking, validation errors as JSON, audit."""

import pytest

from carecircle.core.models import AuditLog
from carecircle.core.roles import Role
from carecircle.parties.models import Customer
from tests.factories import CustomerFactory, UserFactory, make_phone

pytestmark = pytest.mark.django_db

VALID_ID = "11010519491231002X"
VALID_USCC = "91350100M000100Y43"


def customer_nos(response) -> list[str]:
    return [c["customer_no"] for c in response.json()["items"]]


def test_anonymous_user_gets_401_json(book, client):
    response = client.get("/api/customers")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_seat_lists_only_own_customers(book, api_as):
    response = api_as(book["seat"]).get("/api/customers")
    assert response.status_code == 200
    assert customer_nos(response) == [book["mine"].customer_no]


def test_partner_user_lists_only_referred_customers_with_masked_names(book, api_as):
    response = api_as(book["partner_user"]).get("/api/customers")
    items = response.json()["items"]
    assert [c["customer_no"] for c in items] == [book["referred"].customer_no]
    assert items[0]["name"] == book["referred"].name[0] + "*" * (len(book["referred"].name) - 1)


def test_manager_lists_the_whole_book(book, api_as):
    response = api_as(book["manager"]).get("/api/customers")
    assert sorted(customer_nos(response)) == sorted(
        c.customer_no for c in (book["mine"], book["theirs"], book["referred"])
    )


def test_session_login_works_as_well_as_tokens(book, client):
    client.force_login(book["seat"])
    response = client.get("/api/customers")
    assert customer_nos(response) == [book["mine"].customer_no]


def test_customer_out_of_scope_is_404_not_403(book, api_as):
    response = api_as(book["seat"]).get(f"/api/customers/{book['theirs'].pk}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_responses_carry_masked_personal_data_only(book, api_as):
    body = api_as(book["manager"]).get(f"/api/customers/{book['mine'].pk}").json()
    assert body["phone_masked"] == book["mine"].phone_masked
    assert "****" in body["phone_masked"]
    assert body["id_number_masked"].count("*") == 8
    assert not {"phone", "id_number", "phone_encrypted", "phone_hash"} & set(body)


def test_search_by_full_phone_is_a_post_and_uses_blind_index(book, api_as):
    phone = make_phone(int(book["theirs"].customer_no[1:]))
    response = api_as(book["manager"]).post(
        "/api/customers/search", {"phone": phone}, content_type="application/json"
    )
    assert customer_nos(response) == [book["theirs"].customer_no]


def test_filter_by_city_and_customer_no(book, api_as):
    client = api_as(book["manager"])
    assert customer_nos(client.get("/api/customers", {"city": "宁波"})) == [
        book["theirs"].customer_no
    ]
    by_no = client.get("/api/customers", {"customer_no": book["referred"].customer_no})
    assert customer_nos(by_no) == [book["referred"].customer_no]


def test_search_with_malformed_phone_is_400_naming_field(book, api_as):
    response = api_as(book["manager"]).post(
        "/api/customers/search", {"phone": "12345"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["field"] == "phone"
    assert response.json()["code"] == "mobile_format"


def test_pages_have_no_count_and_say_whether_more_exist(book, api_as):
    client = api_as(book["manager"])
    first = client.get("/api/customers", {"limit": 2}).json()
    second = client.get("/api/customers", {"limit": 2, "offset": 2}).json()
    assert (len(first["items"]), first["has_more"]) == (2, True)
    assert (len(second["items"]), second["has_more"]) == (1, False)


def test_customer_list_query_count_is_bounded(book, api_as, django_assert_max_num_queries):
    for _ in range(30):
        CustomerFactory(owner=book["seat"])
    client = api_as(book["seat"])
    # token lookup, token touch, customer page.
    with django_assert_max_num_queries(3):
        response = client.get("/api/customers", {"limit": 50})
    assert len(response.json()["items"]) == 31


def test_seat_creates_customer_owned_by_self_and_audited(book, api_as):
    response = api_as(book["seat"]).post(
        "/api/customers",
        {"name": "李雷", "phone": "13912345678", "id_number": VALID_ID, "city": "杭州"},
        content_type="application/json",
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["phone_masked"], body["id_number_masked"]) == ("139****5678", "110105********002X")
    assert (body["owner_id"], body["gender"]) == (book["seat"].pk, "F")
    customer = Customer.objects.get(pk=body["id"])
    assert (
        AuditLog.objects.filter(
            action="create", object_type="parties.customer", object_id=str(customer.pk)
        ).count()
        == 1
    )


def test_wrong_id_checksum_is_400_with_code_field_message(book, api_as):
    before = Customer.objects.count()
    response = api_as(book["seat"]).post(
        "/api/customers",
        {"name": "李雷", "id_number": "110105194912310021"},
        content_type="application/json",
    )
    assert response.status_code == 400
    body = response.json()
    assert (body["code"], body["field"]) == ("id_checksum", "id_number")
    assert "校验位" in body["message"] and "check character" in body["message"]
    assert Customer.objects.count() == before


def test_duplicate_phone_is_409(book, api_as):
    phone = make_phone(int(book["mine"].customer_no[1:]))
    response = api_as(book["seat"]).post(
        "/api/customers", {"name": "重复", "phone": phone}, content_type="application/json"
    )
    assert response.status_code == 409
    assert (response.json()["code"], response.json()["field"]) == ("duplicate_phone", "phone")


def test_company_needs_valid_uscc(book, api_as):
    client = api_as(book["seat"])
    bad = client.post(
        "/api/customers", {"name": "某公司", "kind": "company"}, content_type="application/json"
    )
    good = client.post(
        "/api/customers",
        {"name": "某公司", "kind": "company", "uscc": VALID_USCC},
        content_type="application/json",
    )
    assert (bad.status_code, bad.json()["field"]) == (400, "uscc")
    assert (good.status_code, good.json()["uscc"]) == (201, VALID_USCC)


def test_missing_name_is_422_listing_every_bad_field(book, api_as):
    response = api_as(book["seat"]).post(
        "/api/customers", {"kind": "alien"}, content_type="application/json"
    )
    assert response.status_code == 422
    fields = sorted(e["field"] for e in response.json()["errors"])
    assert fields == ["kind", "name"]


def test_patch_changes_only_given_fields_and_records_diff(book, api_as):
    customer = book["mine"]
    response = api_as(book["seat"]).patch(
        f"/api/customers/{customer.pk}", {"city": "温州"}, content_type="application/json"
    )
    assert response.status_code == 200
    customer.refresh_from_db()
    assert (customer.city, customer.name) == ("温州", book["mine"].name)
    entry = AuditLog.objects.get(action="update", object_id=str(customer.pk))
    assert entry.changes == {"city": ["杭州", "温州"]}


def test_partner_user_cannot_patch_and_nothing_changes(book, api_as):
    customer = book["referred"]
    response = api_as(book["partner_user"]).patch(
        f"/api/customers/{customer.pk}", {"city": "温州"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    customer.refresh_from_db()
    assert customer.city == "杭州"
    assert not AuditLog.objects.filter(action="update").exists()


def test_claims_handler_cannot_create_customers_and_nothing_is_written(book, api_as):
    handler = UserFactory(username="handler", role=Role.CLAIMS_HANDLER)
    before = Customer.objects.count()
    response = api_as(handler).post(
        "/api/customers", {"name": "某人"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert Customer.objects.count() == before
    assert not AuditLog.objects.filter(action="create").exists()


def test_seat_cannot_hand_customer_to_another_owner(book, api_as):
    response = api_as(book["seat"]).patch(
        f"/api/customers/{book['mine'].pk}",
        {"owner_id": book["other_seat"].pk},
        content_type="application/json",
    )
    assert (response.status_code, response.json()["field"]) == (403, "owner_id")
    book["mine"].refresh_from_db()
    assert book["mine"].owner_id == book["seat"].pk


def test_nul_character_in_filter_is_422_not_a_server_error(book, api_as):
    response = api_as(book["manager"]).get("/api/customers", {"city": "杭\x00州"})
    assert (response.status_code, response.json()["field"]) == (422, "city")


def test_an_id_beyond_the_database_integer_range_is_refused_not_a_500(book, api_as):
    # found by schemathesis: SQLite raised OverflowError on ?owner_id=2**70
    client = api_as(book["manager"])
    response = client.get(f"/api/customers?owner_id={2**70}")
    assert response.status_code == 422
    assert (response.json()["code"], response.json()["field"]) == ("less_than_equal", "owner_id")
    assert client.get(f"/api/customers/{2**70}").status_code == 404
