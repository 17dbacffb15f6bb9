import pytest

from carecircle.core.roles import Role
from tests.factories import UserFactory


@pytest.fixture
def people():
    """Who works complaints: a seat (records, does not handle), the service manager, the
    branch manager (the escalation levels)."""
    return {
        "seat": UserFactory(username="seat1", role=Role.SEAT),
        "handler": UserFactory(username="svc", role=Role.SERVICE_MANAGER, display_name="服务经理"),
        "manager": UserFactory(username="boss", role=Role.MANAGER, display_name="分公司经理"),
    }
