"""The value balance on the customer 360 page (desk's read model): both sides of one
customer's value with the reasons, for insurer staff only; value by vehicle and policy."""

import pytest
from django.urls import reverse

from carecircle.core.roles import Role
from carecircle.value.models import CustomerValue
from carecircle.value.selectors import policy_values
from tests.factories import UserFactory, proposed_grey_entry

pytestmark = pytest.mark.django_db


def get(client, user, name, *args, **kwargs):
    client.force_login(user)
    return client.get(reverse(name, args=args), **kwargs)


@pytest.fixture
def entry():
    return proposed_grey_entry()


def test_the_360_page_shows_the_value_balance_with_reasons_for_staff(client, manager, entry):
    response = get(client, manager, "web:customer_360", entry.customer_id)
    html = response.content.decode()
    assert 'data-section="value-balance"' in html
    assert "终身价值¥12,400,前12% / lifetime value ¥12,400, top 12%" in html
    assert "白银 / Silver" in html and "原等级 黄金 / Gold / previously 黄金 / Gold" in html
    assert 'data-side="customer"' in html and f'data-entry="{entry.pk}"' in html


def test_the_customer_does_not_see_how_the_insurer_values_them(client, entry):
    me = UserFactory(role=Role.CUSTOMER, customer=entry.customer)
    response = get(client, me, "web:customer_360", entry.customer_id)
    assert response.status_code == 200
    assert response.context["balance"] is None
    assert "value-balance" not in response.content.decode()


def test_the_360_value_balance_lists_value_by_vehicle_and_policy(client, manager, book):
    value = CustomerValue.objects.current().filter(policies_in_force__gt=0).order_by("pk").first()
    rows = policy_values(value.customer_id, book.as_of)
    html = get(client, manager, "web:customer_360", value.customer_id).content.decode()
    assert html.count("data-value-policy=") == len(rows) > 0
    for row in rows:
        assert f'data-value-policy="{row["policy_no"]}"' in html
