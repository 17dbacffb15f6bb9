import pytest
from django.test import Client

from carecircle.core.models import ApiToken
from carecircle.core.roles import Role
from tests.factories import UserFactory


@pytest.fixture
def api_as(db):
    """A client authenticated as ``user`` through a bearer token (the systems' way in)."""

    def _as(user) -> Client:
        _, raw = ApiToken.issue(user, "tests")
        return Client(headers={"Authorization": f"Bearer {raw}"})

    return _as


@pytest.fixture
def people():
    """Who works complaints: a seat (records, does not handle), the service manager, the
    branch manager (the escalation levels)."""
    return {
        "seat": UserFactory(username="seat1", role=Role.SEAT),
        "handler": UserFactory(username="svc", role=Role.SERVICE_MANAGER, display_name="服务经理"),
        "manager": UserFactory(username="boss", role=Role.MANAGER, display_name="分公司经理"),
    }
