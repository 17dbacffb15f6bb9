import pytest

from carecircle.claims import rulecache
from carecircle.core import clock
from tests.factories.claims import TODAY


@pytest.fixture
def today():
    with clock.frozen_at(TODAY):
        yield TODAY


@pytest.fixture(autouse=True)
def claims_tasks_run_at_once(settings):
    """Tasks enqueued on commit run at once (wrap the call in ``committed()`` so a test's
    transaction lets on-commit callbacks run); the admin-rule cache starts and ends empty so
    rows a test writes and rolls back never leak into the next test."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    rulecache.clear()
    yield
    rulecache.clear()
