"""The consent pages: the customer's phone page (/consents/my/) shows each purpose with its
wording and changes it with one button; staff see a customer's history in their scope only."""

import re

import pytest

from carecircle.core.roles import Role
from carecircle.parties import consent
from carecircle.parties.models import Customer
from carecircle.parties.models_consent import ConsentEvent
from tests.factories import CustomerFactory, OrgUnitFactory, PartnerFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer():
    return CustomerFactory(name="周杰")


@pytest.fixture
def phone(client, customer):
    client.force_login(UserFactory(role=Role.CUSTOMER, customer=customer))
    return client


def _status(page: str, dom_id: str) -> str:
    found = re.search(rf'id="consent-{dom_id}"[^>]*data-status="(\w+)"', page)
    assert found, dom_id
    return found.group(1)


def test_the_phone_page_shows_every_marketing_channel_and_automation_not_given_by_default(
    phone,
):
    page = phone.get("/consents/my/").content.decode()
    statuses = [
        _status(page, d)
        for d in ("marketing-phone", "marketing-sms", "marketing-wechat", "marketing-email")
    ]
    assert statuses == ["never"] * 4  # silence is not consent
    assert _status(page, "automated") == "never"
    assert 'id="grant-marketing-sms"' in page and 'id="withdraw-marketing"' in page
    assert "通过短信向我介绍保险产品" in page and "by SMS" in page  # the wording shown


def test_a_customer_grants_sms_marketing_then_withdraws_all_marketing_on_the_page(phone, customer):
    response = phone.post(
        "/consents/my/", {"key": "marketing:sms", "wording": "marketing-v1", "grant": "1"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/consents/my/?done=granted&key=marketing%3Asms"
    customer.refresh_from_db()
    assert customer.marketing_consent is True
    assert consent.allows(customer, "marketing", "sms") is True
    assert consent.allows(customer, "marketing", "phone") is False

    response = phone.post("/consents/my/", {"key": "marketing", "withdraw": "1"})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.marketing_consent is False
    page = phone.get(response["Location"]).content.decode()
    assert 'id="consent-done" data-done="withdrawn"' in page
    assert _status(page, "marketing-sms") == "withdrawn"
    events = list(
        ConsentEvent.objects.filter(customer=customer)
        .order_by("pk")
        .values_list("key", "action", "source", "wording", "recorded_by__customer_id")
    )
    assert events == [
        ("marketing:sms", "grant", "phone_page", "marketing-v1", customer.pk),
        ("marketing:sms", "withdraw", "phone_page", "marketing-v1", customer.pk),
    ]
    assert page.count('data-key="marketing:sms" data-action=') == 2  # the history


def test_a_grant_under_an_old_wording_is_refused_and_nothing_is_recorded(phone, customer):
    response = phone.post(
        "/consents/my/", {"key": "automated", "wording": "automated-v0", "grant": "1"}
    )
    assert response.status_code == 400
    assert 'id="consent-error"' in response.content.decode()
    assert ConsentEvent.objects.filter(customer=customer).count() == 0


def test_staff_and_partners_cannot_use_the_customer_page(client):
    client.force_login(UserFactory(role=Role.SEAT))
    assert client.get("/consents/my/").status_code == 403
    client.force_login(UserFactory(role=Role.PARTNER_USER, partner=PartnerFactory()))
    assert client.get("/consents/my/").status_code == 403


def test_staff_see_a_customers_history_only_inside_their_unit(client, customer):
    unit_a, unit_b = OrgUnitFactory(), OrgUnitFactory()
    Customer.objects.filter(pk=customer.pk).update(unit=unit_a)
    consent.grant(
        customer, "marketing", channel="phone", source="paper_form",
        acting_user=UserFactory(role=Role.MANAGER),
    )  # fmt: skip
    client.force_login(UserFactory(role=Role.MANAGER, unit=unit_a))
    page = client.get(f"/consents/customers/{customer.pk}/")
    assert page.status_code == 200
    assert 'data-key="marketing:phone" data-action="grant"' in page.content.decode()
    client.force_login(UserFactory(role=Role.MANAGER, unit=unit_b))
    assert client.get(f"/consents/customers/{customer.pk}/").status_code == 404
    client.force_login(UserFactory(role=Role.CUSTOMER, customer=customer))
    assert client.get(f"/consents/customers/{customer.pk}/").status_code == 404
