import pytest
from django.test import Client

from carecircle.core.models import ApiToken


@pytest.fixture
def api_as(db):
    """A client authenticated as ``user`` through a bearer token (the systems' way in)."""

    def _as(user) -> Client:
        _, raw = ApiToken.issue(user, "tests")
        return Client(headers={"Authorization": f"Bearer {raw}"})

    return _as
