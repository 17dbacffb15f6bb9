"""One search box: every identifier finds exactly the right customer, masked, in scope."""

import pytest
from django.urls import reverse

from carecircle.core.roles import Role
from carecircle.parties.forms import detect
from carecircle.parties.selectors import SearchKind
from tests.factories import (
    CustomerFactory,
    PartnerFactory,
    PolicyFactory,
    UserFactory,
    VehicleFactory,
    make_id_number,
    make_phone,
    make_vin,
)

pytestmark = pytest.mark.django_db
URL = reverse("web:customer_search")


@pytest.fixture
def book(seat):
    """Target 张三 (C00000042) among decoys sharing a name prefix or a phone suffix."""
    target = CustomerFactory(customer_no="C00000042", name="张三丰", owner=seat)
    target.set_phone("13912345678")
    target.save()
    car = VehicleFactory(owner=target, plate="沪B7K9D2", vin=make_vin(4242))
    PolicyFactory(vehicle=car, policy_no="PDAA202531000000000042")
    decoy_suffix = CustomerFactory(customer_no="C00000043", name="李四")
    decoy_suffix.set_phone("13800005678")
    decoy_suffix.save()
    CustomerFactory(customer_no="C00000044", name="张伟")
    return {"target": target, "decoy_suffix": decoy_suffix}


def found(response):
    return [row.customer.customer_no for row in response.context["page"].rows]


@pytest.mark.parametrize(
    ("query", "kind", "expected"),
    [
        ("张三", SearchKind.NAME, ["C00000042"]),
        ("张", SearchKind.NAME, ["C00000042", "C00000044"]),
        ("三丰", SearchKind.NAME_CONTAINS, ["C00000042"]),
        ("139 1234 5678", SearchKind.PHONE, ["C00000042"]),
        ("+8613912345678", SearchKind.PHONE, ["C00000042"]),
        ("5678", SearchKind.PHONE_LAST4, ["C00000042", "C00000043"]),
        (make_id_number(42), SearchKind.ID_NUMBER, ["C00000042"]),
        ("沪b·7k9d2", SearchKind.PLATE, ["C00000042"]),
        (make_vin(4242).lower(), SearchKind.VIN, ["C00000042"]),
        ("PDAA202531000000000042", SearchKind.POLICY_NO, ["C00000042"]),
        ("c00000042", SearchKind.CUSTOMER_NO, ["C00000042"]),
    ],
)
def test_each_search_kind_finds_exactly_the_matching_customers(
    book, manager, login, query, kind, expected
):
    response = login(manager).post(URL, {"q": query})
    assert response.status_code == 200
    assert response.context["page"].kind == kind
    assert found(response) == expected


def test_the_result_says_what_was_searched(book, manager, login):
    response = login(manager).post(URL, {"q": "13912345678"})
    assert "按完整手机号查找 / searched by full phone" in response.content.decode()


def test_lists_show_masked_phone_and_id_and_never_the_full_values(book, manager, login):
    response = login(manager).post(URL, {"q": "13912345678"})
    html = response.content.decode()
    assert "139****5678" in html
    assert make_id_number(42)[:6] + "********" + make_id_number(42)[-4:] in html
    assert "13912345678</td>" not in html and make_id_number(42) not in html


def test_an_explicit_kind_is_validated_with_a_clear_message(book, manager, login):
    response = login(manager).post(URL, {"q": "12345", "kind": "phone"})
    assert response.context["page"] is None
    assert "手机号须为以1开头的11位数字" in response.content.decode()


def test_an_id_number_with_a_wrong_check_character_explains_why_nothing_was_found(
    book, manager, login
):
    bad = make_id_number(42)[:17] + ("0" if make_id_number(42)[17] != "0" else "1")
    response = login(manager).post(URL, {"q": bad})
    assert found(response) == []
    assert "身份证号校验位错误" in response.content.decode()


def test_a_seat_finds_only_the_customers_it_owns(book, seat, login):
    response = login(seat).post(URL, {"q": "5678"})
    assert found(response) == ["C00000042"]


def test_a_partner_user_finds_only_its_referred_customers_with_masked_names(login):
    shop = PartnerFactory()
    referred = CustomerFactory(customer_no="C00000100", name="赵六六")
    PolicyFactory(vehicle=VehicleFactory(owner=referred), partner=shop, channel="four_s_shop")
    CustomerFactory(customer_no="C00000101", name="赵七")
    user = UserFactory(role=Role.PARTNER_USER, partner=shop)
    response = login(user).post(URL, {"q": "赵"})
    assert found(response) == ["C00000100"]
    assert [row.shown_name for row in response.context["page"].rows] == ["赵**"]
    assert "赵六六" not in response.content.decode()


def test_a_customer_finds_only_themselves(book, login):
    user = UserFactory(role=Role.CUSTOMER, customer=book["target"])
    assert found(login(user).post(URL, {"q": "5678"})) == ["C00000042"]


def test_a_merchant_user_finds_nobody(book, login):
    merchant = UserFactory(role=Role.MERCHANT_USER, partner=PartnerFactory(kind="merchant"))
    assert found(login(merchant).post(URL, {"q": "5678"})) == []


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get(URL, {"q": "5678"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/customers/")


def test_results_page_by_25_without_counting_the_book(manager, login, settings):
    for n in range(30):
        c = CustomerFactory(customer_no=f"C{n + 1:08d}", name=f"钱{n}")
        c.set_phone(make_phone(n)[:7] + "0000")
        c.save()
    client = login(manager)
    first = client.post(URL, {"q": "0000"})
    assert len(found(first)) == 25 and first.context["page"].has_next
    assert first.context["next_url"].startswith("?s=")
    second = client.get(URL + first.context["next_url"])
    assert found(second) == [f"C{n:08d}" for n in range(26, 31)]
    assert not second.context["page"].has_next


def test_search_runs_a_bounded_number_of_queries(
    book, manager, login, django_assert_max_num_queries
):
    client = login(manager)
    first = client.post(URL, {"q": "5678"})
    with django_assert_max_num_queries(3):  # session, user, one page of customers with owner
        client.get(URL + first.context["next_url"])
    with django_assert_max_num_queries(6):  # … and the session keeping the token (one write)
        client.post(URL, {"q": "5678"})


def test_an_htmx_request_gets_only_the_results_partial(book, manager, login):
    response = login(manager).post(
        URL, {"q": "5678"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="search-results"
    )
    html = response.content.decode()
    assert "<html" not in html and "C00000042" in html
    assert response["HX-Push-Url"].startswith("/customers/?s=")


@pytest.mark.parametrize(
    ("raw", "kind", "value"),
    [
        ("1234", SearchKind.PHONE_LAST4, "1234"),
        ("11010519491231002x", SearchKind.ID_NUMBER, "11010519491231002X"),
        ("LATPAB071W1005301", SearchKind.VIN, "LATPAB071W1005301"),
        ("京A D12345", SearchKind.PLATE, "京AD12345"),
        ("王", SearchKind.NAME, "王"),
        ("PDAA2025X1", SearchKind.IDENTIFIER, "PDAA2025X1"),
    ],
)
def test_auto_detection_recognises_each_identifier(raw, kind, value):
    term = detect(raw)
    assert (term.kind, term.value) == (kind, value)


def test_paging_stops_at_page_40_and_asks_for_a_narrower_query(book, manager, login):
    client = login(manager)
    token = client.post(URL, {"q": "5678"}).context["next_url"].split("&")[0]
    response = client.get(URL + token + "&page=41")
    page = response.context["page"]
    assert (page.too_many, page.rows) == (True, [])
    assert "结果过多，请输入更精确的条件" in response.content.decode()


def test_a_partner_users_search_runs_a_bounded_number_of_queries(
    login, django_assert_max_num_queries
):
    shop = PartnerFactory()
    for n in range(5):
        c = CustomerFactory(customer_no=f"C{n + 200:08d}", name=f"孙{n}")
        PolicyFactory(vehicle=VehicleFactory(owner=c), partner=shop, channel="four_s_shop")
    client = login(UserFactory(role=Role.PARTNER_USER, partner=shop))
    next_url = client.post(URL, {"q": "孙"}).context["next_url"]
    with django_assert_max_num_queries(3):
        response = client.get(URL + next_url.replace("page=2", "page=1"))
    assert len(found(response)) == 5


def test_search_results_never_load_the_encrypted_phone_or_id(book, manager, login):
    rows = login(manager).post(URL, {"q": "5678"}).context["page"].rows
    deferred = rows[0].customer.get_deferred_fields()
    assert {"phone_encrypted", "id_number_encrypted"} <= deferred
