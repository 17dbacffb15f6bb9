"""The “should I claim?” calculator page: the customer's own policy, a seat's customers only."""

import datetime as dt
from decimal import Decimal as D

import pytest

from tests.factories.claims import customer_user, policy_with_cover, shop

pytestmark = pytest.mark.django_db


def test_the_calculator_page_shows_both_paths_for_the_customers_policy(client, today):
    policy = policy_with_cover(premium=D("3000.00"), ncd_level=-1, ncd_coefficient=D("0.800"))
    from tests.factories import PolicyFactory

    PolicyFactory(
        vehicle=policy.vehicle, effective_date=dt.date(2024, 6, 1), expiry_date=dt.date(2025, 6, 1)
    )
    partner = shop()
    client.force_login(customer_user(policy))
    page = client.get(
        "/claims/calculator/",
        {"shop": partner.pk, "parts": "1200", "hours": "3", "deductible": "0"},
    ).content.decode()
    assert 'id="premium-increase">¥4,500.00' in page
    assert 'id="repair-price">¥1,602.00' in page
    assert "建议自费维修" in page and "¥2,898.00" in page


def test_a_seat_uses_the_calculator_for_a_customer_it_owns_and_only_for_those(client, today):
    """The seat/agent tool: ?customer=<id> gives the same two paths as the customer's own page,
    for a customer in the seat's scope; another seat's customer gives no figures at all."""
    from carecircle.core.roles import Role
    from tests.factories import PolicyFactory, UserFactory

    policy = policy_with_cover(premium=D("3000.00"), ncd_level=-1, ncd_coefficient=D("0.800"))
    PolicyFactory(
        vehicle=policy.vehicle, effective_date=dt.date(2024, 6, 1), expiry_date=dt.date(2025, 6, 1)
    )
    seat, stranger = UserFactory(role=Role.SEAT), UserFactory(role=Role.SEAT)
    policy.customer.owner = seat
    policy.customer.save(update_fields=["owner"])
    partner = shop()
    query = {"customer": policy.customer.pk, "shop": partner.pk, "parts": "1200", "hours": "3"}
    client.force_login(seat)
    page = client.get("/claims/calculator/", query).content.decode()
    assert 'id="premium-increase">¥4,500.00' in page and 'id="repair-price">¥1,602.00' in page
    client.force_login(stranger)
    page = client.get("/claims/calculator/", query).content.decode()
    assert 'id="premium-increase"' not in page and "¥1,602.00" not in page
