"""The world is built once per test module, inside one transaction rolled back at the module's
end; each test runs in a savepoint of it (pytest-django's ``db``), so a POST a test makes is
undone before the next. Clocks stand at ``world.NOW``; one logged-in client per role."""

from __future__ import annotations

import pytest

from carecircle.core import clock

from .world import NOW, World, world_rolled_back


class Clients(dict):
    """role → a test client logged in as that role's user (anonymous: not logged in)."""


@pytest.fixture(scope="module")
def world_and_clients(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), world_rolled_back() as (world, clients):
        yield world, Clients(clients)


@pytest.fixture
def world(world_and_clients, db) -> World:
    with clock.frozen_at(NOW):
        yield world_and_clients[0]


@pytest.fixture
def clients(world_and_clients, db) -> Clients:
    return world_and_clients[1]
