import pytest

from carecircle.claims import rulecache
from carecircle.core import clock, workdays
from tests.factories.claims import TODAY


@pytest.fixture
def today():
    with clock.frozen_at(TODAY):
        yield TODAY


@pytest.fixture(autouse=True)
def claims_tasks_run_at_once(settings, request):
    """Tasks enqueued on commit run at once (wrap the call in ``committed()`` so a test's
    transaction lets on-commit callbacks run); the admin-rule cache starts and ends empty so
    rows a test writes and rolls back never leak into the next test."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    rulecache.clear()
    workdays.invalidate()  # the work calendar is cached per process like the rules
    if request.node.get_closest_marker("django_db"):
        workdays.work_calendar()  # warm, as in a running server: query counts stay a request's
    yield
    rulecache.clear()
    workdays.invalidate()
