"""Parties test fixtures: staff who log in (search, reveal). The API tests' ``book`` and
``api_as`` come from tests/conftest.py."""

import pytest

from carecircle.core.roles import Role
from tests.factories import UserFactory


@pytest.fixture
def manager(db):
    return UserFactory(username="manager", role=Role.MANAGER)


@pytest.fixture
def seat(db):
    return UserFactory(username="seat", role=Role.SEAT)


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user)
        return client

    return _login
