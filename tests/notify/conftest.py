import pytest

from carecircle.core import clock
from tests.notify.helpers import MORNING


@pytest.fixture
def at_ten():
    with clock.frozen_at(MORNING):
        yield
