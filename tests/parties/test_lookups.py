"""#21 finding 6: no full phone or ID number in a URL, and the answers that reveal whether a
number exists are audited and braked per user (docs/privacy.md "Search and lookups")."""

import json

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse

from carecircle.core.models import AuditLog
from carecircle.parties.models import Customer
from tests.factories import CustomerFactory, make_id_number, make_phone

pytestmark = pytest.mark.django_db
URL = reverse("web:customer_search")
PHONE = "13912345678"


@pytest.fixture
def target(seat):
    c = CustomerFactory(customer_no="C00000042", name="张三丰", owner=seat)
    c.set_phone(PHONE)
    c.save()
    return c


def lookups(user, kind: str) -> list[AuditLog]:
    return list(AuditLog.objects.filter(actor=user, object_type=f"parties.{kind}").order_by("id"))


# ---- pages -----------------------------------------------------------------------------------


def test_a_full_phone_search_is_posted_and_no_url_it_answers_with_carries_the_number(
    target, manager, login
):
    client = login(manager)
    response = client.post(
        URL, {"q": PHONE}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="search-results"
    )
    assert response.status_code == 200
    assert [r.customer.customer_no for r in response.context["page"].rows] == ["C00000042"]
    urls = [response["HX-Push-Url"], response.context["next_url"], response.context["previous_url"]]
    assert all("s=" in u and PHONE not in u and "5678" not in u for u in urls)
    # The token's page finds the same customer; the number is in no link of the page.
    again = client.get(URL + response.context["next_url"].replace("page=2", "page=1"))
    assert [r.customer.customer_no for r in again.context["page"].rows] == ["C00000042"]
    for html in (response.content.decode(), again.content.decode()):
        assert f"q={PHONE}" not in html and "?q=" not in html


def test_the_search_form_posts_and_home_page_search_box_too(manager, login):
    client = login(manager)
    for page in (URL, reverse("web:home")):
        html = client.get(page).content.decode()
        assert 'method="get"' not in html.split('role="search"')[0].rsplit("<form", 1)[-1]
        assert 'method="post"' in html.split('role="search"')[0].rsplit("<form", 1)[-1]


def test_an_old_link_with_the_term_in_the_url_is_refused_with_400_and_searches_nothing(
    target, manager, login
):
    response = login(manager).get(URL, {"q": PHONE})
    assert response.status_code == 400
    assert response.context["page"] is None
    assert "查询内容不再放在网址中" in response.content.decode()


def test_the_session_keeps_the_term_sealed_and_another_session_cannot_use_the_token(
    target, manager, seat, login, client, django_user_model
):
    first = login(manager).post(URL, {"q": PHONE})
    token_url = first.context["next_url"]
    stored = "".join(s.get_decoded().__repr__() for s in Session.objects.all())
    assert PHONE not in stored and "parties.searches" in stored
    client.logout()
    client.force_login(seat)
    other = client.get(URL + token_url)
    assert other.status_code == 200 and other.context["page"] is None
    assert "该查询已过期" in other.content.decode()


def test_full_phone_and_id_searches_are_audited_without_the_value(target, manager, login):
    client = login(manager)
    client.post(URL, {"q": PHONE})
    client.post(URL, {"q": make_id_number(7)})
    client.post(URL, {"q": "5678"})  # last four: not a full number, not counted
    rows = lookups(manager, "pii_search")
    assert [r.summary for r in rows] == ["page search by phone", "page search by id_number"]
    assert all(PHONE not in r.summary + json.dumps(r.changes) for r in rows)


def test_full_number_searches_past_the_limit_get_429_and_a_message(
    target, manager, login, settings
):
    settings.CARECIRCLE = {"PII_SEARCHES_PER_HOUR": 2}
    client = login(manager)
    assert [client.post(URL, {"q": PHONE}).status_code for _ in range(2)] == [200, 200]
    refused = client.post(URL, {"q": PHONE})
    assert refused.status_code == 429
    assert refused.context["page"] is None
    assert "查询手机号或身份证号过于频繁" in refused.content.decode()
    partial = client.post(
        URL, {"q": PHONE}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="search-results"
    )
    # htmx swaps no 4xx but 403 (web/base.html): the partial carries the message with a 200.
    assert (
        partial.status_code == 200 and 'data-refused="too_many_lookups"' in partial.content.decode()
    )
    assert client.post(URL, {"q": "张三"}).status_code == 200  # a name search is not braked
    assert len(lookups(manager, "pii_search")) == 2
    assert len(lookups(manager, "lookup_brake")) == 1


# ---- API -------------------------------------------------------------------------------------


def test_the_api_refuses_a_phone_in_the_url_with_400_saying_to_post(book, api_as):
    phone = make_phone(int(book["theirs"].customer_no[1:]))
    response = api_as(book["manager"]).get("/api/customers", {"phone": phone})
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == ("use_post_search", "phone")
    assert "POST /api/customers/search" in response.json()["message"]


def test_the_api_search_by_phone_and_id_in_the_body_is_scoped_audited_and_braked(
    book, api_as, settings
):
    settings.CARECIRCLE = {"PII_SEARCHES_PER_HOUR": 3}
    theirs = book["theirs"]
    n = int(theirs.customer_no[1:])
    body = {"phone": make_phone(n), "id_number": make_id_number(n)}
    manager, seat = api_as(book["manager"]), api_as(book["seat"])
    found = manager.post("/api/customers/search", body, content_type="application/json")
    assert [c["customer_no"] for c in found.json()["items"]] == [theirs.customer_no]
    out_of_scope = seat.post("/api/customers/search", body, content_type="application/json")
    assert (out_of_scope.status_code, out_of_scope.json()["items"]) == (200, [])
    empty = manager.post("/api/customers/search", {}, content_type="application/json")
    assert (empty.status_code, empty.json()["code"]) == (400, "search_term_required")
    assert [r.summary for r in lookups(book["manager"], "pii_search")] == [
        "API search by phone+id_number"
    ]
    for _ in range(2):
        manager.post("/api/customers/search", body, content_type="application/json")
    over = manager.post("/api/customers/search", body, content_type="application/json")
    assert (over.status_code, over.json()["code"]) == (429, "too_many_lookups")


def test_each_duplicate_answer_is_audited_by_field_never_by_value(book, api_as):
    phone = make_phone(int(book["mine"].customer_no[1:]))
    response = api_as(book["seat"]).post(
        "/api/customers", {"name": "重复", "phone": phone}, content_type="application/json"
    )
    assert response.status_code == 409
    [row] = lookups(book["seat"], "existence_answer")
    assert row.action == AuditLog.Action.VIEW
    assert row.summary == "duplicate_phone answered (409): field phone"
    assert phone not in row.summary + row.object_id + json.dumps(row.changes)


def test_duplicate_answers_past_the_limit_get_429_even_for_a_free_number(book, api_as, settings):
    """Over the limit the answer no longer depends on the number: a free one is refused too,
    or 201 against 429 would still tell the two apart."""
    settings.CARECIRCLE = {"EXISTENCE_ANSWERS_PER_HOUR": 3}
    client = api_as(book["seat"])
    taken = make_phone(int(book["mine"].customer_no[1:]))

    def create(phone):
        return client.post(
            "/api/customers", {"name": "试探", "phone": phone}, content_type="application/json"
        )

    assert [create(taken).status_code for _ in range(3)] == [409, 409, 409]
    for phone in (taken, "13700007777"):
        over = create(phone)
        assert (over.status_code, over.json()["code"]) == (429, "too_many_lookups")
    assert not Customer.objects.filter(name="试探").exists()
    assert len(lookups(book["seat"], "existence_answer")) == 3
    assert len(lookups(book["seat"], "lookup_brake")) == 1
    # Another user's window is their own; a write without a phone or ID is not braked.
    other = api_as(book["other_seat"]).post(
        "/api/customers", {"name": "另一人", "phone": taken}, content_type="application/json"
    )
    assert other.status_code == 409
    assert create_plain(client).status_code == 201


def create_plain(client):
    return client.post("/api/customers", {"name": "无号码"}, content_type="application/json")


def test_a_patch_to_a_taken_id_number_is_counted_too(book, api_as):
    theirs_id = make_id_number(int(book["theirs"].customer_no[1:]))
    response = api_as(book["manager"]).patch(
        f"/api/customers/{book['mine'].pk}",
        {"id_number": theirs_id},
        content_type="application/json",
    )
    assert (response.status_code, response.json()["code"]) == (409, "duplicate_id_number")
    [row] = lookups(book["manager"], "existence_answer")
    assert row.object_id == str(book["mine"].pk)


def test_an_idempotency_key_does_not_roll_the_duplicate_answer_out_of_the_count(book, api_as):
    phone = make_phone(int(book["mine"].customer_no[1:]))
    response = api_as(book["seat"]).post(
        "/api/customers",
        {"name": "重复", "phone": phone},
        content_type="application/json",
        headers={"Idempotency-Key": "dup-1"},
    )
    assert response.status_code == 409
    assert len(lookups(book["seat"], "existence_answer")) == 1
