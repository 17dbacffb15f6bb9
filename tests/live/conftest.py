"""The live harness (tests/live/harness.py): one gunicorn over a database of its own for the
whole module, on the PostgreSQL pass of the test command only."""

from __future__ import annotations

import pytest

from tests.live.harness import live_server, postgres_url


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    if postgres_url() is None:
        pytest.skip("the live server runs on the PostgreSQL pass (DATABASE_URL=postgres://…)")
    with live_server(tmp_path_factory.mktemp("live")) as server:
        yield server
