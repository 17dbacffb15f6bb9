"""Desk test fixtures: a clean cache (the portfolio and the dashboard are cached) and a
generated book valued by one run; staff who log in come from tests/conftest.py."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.core.management import call_command

from carecircle.value.engine.params import params_from_settings
from carecircle.value.engine.runner import run_value

AS_OF = dt.date(2026, 3, 1)


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def book(db):
    """A generated book of 300 customers valued by one run as of AS_OF."""
    call_command("generate", "--customers", "300", "--seed", "1", "--into-db")
    return run_value(params_from_settings(AS_OF))
