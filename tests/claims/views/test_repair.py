"""The “should I claim?” calculator page: the customer's own policy, a seat's customers only."""

import datetime as dt
from decimal import Decimal as D

import pytest

from tests.factories import PolicyFactory
from tests.factories.claims import customer_user, policy_with_cover, shop

pytestmark = pytest.mark.django_db


def four_clean_years_at_0_5():
    """DOMAIN.md's calculator example: four clean insured years before this one, level −4
    (0.5), base ¥3,000 × pricing 1.0 → premium ¥1,500."""
    policy = policy_with_cover(premium=D("1500.00"), ncd_level=-4, ncd_coefficient=D("0.500"))
    for year in range(2021, 2025):
        PolicyFactory(
            vehicle=policy.vehicle,
            effective_date=dt.date(year, 6, 1),
            expiry_date=dt.date(year + 1, 6, 1),
        )
    return policy


def test_the_calculator_page_shows_both_paths_for_the_customers_policy(client, today):
    policy = four_clean_years_at_0_5()
    partner = shop()
    client.force_login(customer_user(policy))
    page = client.get(
        "/claims/calculator/",
        {"shop": partner.pk, "parts": "1200", "hours": "3", "deductible": "0"},
    ).content.decode()
    # DOMAIN.md's example: a claim costs ¥1,800 more over three years; the repair ¥1,602.
    assert 'id="premium-increase">¥1,800.00' in page
    assert 'id="repair-price">¥1,602.00' in page
    assert "建议自费维修" in page and "¥198.00" in page


def test_a_seat_uses_the_calculator_for_a_customer_it_owns_and_only_for_those(client, today):
    """The seat/agent tool: ?customer=<id> gives the same two paths as the customer's own page,
    for a customer in the seat's scope; another seat's customer gives no figures at all."""
    from carecircle.core.roles import Role
    from tests.factories import UserFactory

    policy = four_clean_years_at_0_5()
    seat, stranger = UserFactory(role=Role.SEAT), UserFactory(role=Role.SEAT)
    policy.customer.owner = seat
    policy.customer.save(update_fields=["owner"])
    partner = shop()
    query = {"customer": policy.customer.pk, "shop": partner.pk, "parts": "1200", "hours": "3"}
    client.force_login(seat)
    page = client.get("/claims/calculator/", query).content.decode()
    assert 'id="premium-increase">¥1,800.00' in page and 'id="repair-price">¥1,602.00' in page
    client.force_login(stranger)
    page = client.get("/claims/calculator/", query).content.decode()
    assert 'id="premium-increase"' not in page and "¥1,602.00" not in page
