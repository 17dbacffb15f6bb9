"""What the page tests share: the clock at noon on 2026-06-01 (Beijing) and a car wash
merchant with a location, its offer at ¥35.50 and a merchant user."""

import datetime as dt

import pytest

from carecircle.core import clock
from tests.factories.alliance import merchant_with_offer

NOON = dt.datetime(2026, 6, 1, 12, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture(autouse=True)
def noon():
    with clock.frozen_at(NOON):
        yield


@pytest.fixture
def wash():
    return merchant_with_offer()
