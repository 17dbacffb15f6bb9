import pytest
from django.core.cache import cache

from carecircle.core.roles import Role
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


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
