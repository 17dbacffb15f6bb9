"""The privacy tests' world: two sub-branches (A and B), a service manager in each, a manager
at head office, a customer with a login in each unit, business time fixed on Monday
2 March 2026 (10:00 Beijing time)."""

import datetime as dt

import pytest

from carecircle.core import clock
from carecircle.core.roles import Role
from tests.factories import SH, CustomerFactory, OrgUnitFactory, UserFactory

NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SH)
IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def now():
    with clock.frozen_at(NOW):
        yield NOW


@pytest.fixture
def world(db, now, settings):
    settings.TASKS = IMMEDIATE_TASKS
    unit_a, unit_b = OrgUnitFactory(name="西湖营业部"), OrgUnitFactory(name="鄞州营业部")
    alice = CustomerFactory(name="张三", unit=unit_a)
    bob = CustomerFactory(name="李四", unit=unit_b)
    return {
        "unit_a": unit_a,
        "unit_b": unit_b,
        "alice": alice,
        "bob": bob,
        "alice_login": UserFactory(username="alice", role=Role.CUSTOMER, customer=alice),
        "bob_login": UserFactory(username="bob", role=Role.CUSTOMER, customer=bob),
        "sm_a": UserFactory(
            username="sm_a", role=Role.SERVICE_MANAGER, unit=unit_a, email="sm_a@example.com"
        ),
        "sm_b": UserFactory(username="sm_b", role=Role.SERVICE_MANAGER, unit=unit_b),
        "boss": UserFactory(username="boss", role=Role.MANAGER, email="boss@example.com"),
        "seat_a": UserFactory(username="seat_a", role=Role.SEAT, unit=unit_a),
    }
