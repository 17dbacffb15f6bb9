import pytest

from carecircle.core import clock, handoff
from carecircle.core.handoff import Event
from tests.notify.helpers import MORNING


@pytest.fixture
def at_ten():
    with clock.frozen_at(MORNING):
        yield


@pytest.fixture
def dispatched(monkeypatch):
    """Every ``Event.LEGAL_NOTICE_DISPATCHED`` announced, as the handler in flows.py would
    receive it (after the commit, through core.handoff's real path)."""
    calls: list[dict] = []
    table = ({Event.LEGAL_NOTICE_DISPATCHED: [lambda **ids: calls.append(ids)]}, {})
    monkeypatch.setattr(handoff, "_table", lambda: table)
    return calls
