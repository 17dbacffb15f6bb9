"""The one navigation entry: each role lands on its own alliance page."""

import pytest

from carecircle.core.roles import Role
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_each_role_lands_on_its_own_alliance_page(client, wash):
    cases = [
        (UserFactory(role=Role.SERVICE_MANAGER), "/alliance/dashboard/"),
        (wash[3], "/alliance/merchant/"),
        (UserFactory(role=Role.CUSTOMER, customer=CustomerFactory()), "/alliance/my/"),
        (UserFactory(role=Role.SEAT), "/alliance/issue/"),
    ]
    for user, target in cases:
        client.force_login(user)
        response = client.get("/alliance/")
        assert (response.status_code, response["Location"]) == (302, target)
        assert client.get(target).status_code == 200
    client.force_login(UserFactory(role=Role.PARTNER_USER))
    assert client.get("/alliance/").status_code == 403
