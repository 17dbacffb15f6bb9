import pytest

from carecircle.core import clock
from tests.claims.factories import TODAY


@pytest.fixture
def today():
    with clock.frozen_at(TODAY):
        yield TODAY
