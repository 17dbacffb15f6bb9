"""A small book for the renewal pages: one seat and three renewals (callable now, not yet
callable, no marketing consent) from today's pipeline."""

import pytest

from carecircle.renewals.models import RenewalTask
from carecircle.renewals.services.pipeline import run_pipeline
from tests.renewals.conftest import expiring, make_seat


@pytest.fixture
def book(today):
    seat = make_seat("seat1")
    callable_ = expiring(35, premium="3000.00")
    not_yet = expiring(60, premium="9000.00")
    no_consent = expiring(30, consent=False, premium="9000.00")
    run_pipeline()
    task = {p: RenewalTask.objects.get(policy=p) for p in (callable_, not_yet, no_consent)}
    return seat, task[callable_], task[not_yet], task[no_consent]
