"""Value-run settings: defaults here, overridden by ``settings.CARECIRCLE["VALUE_RUNS"]`` (a
dict), read through ``carecircle.core.conf.AppSettings`` like every app's.

The engine's own parameters (horizon, discount rate, tier cuts …) are ``CARECIRCLE["VALUE"]``
(value.engine.params); these are about the run as a job (docs/jobs.md).
"""

from __future__ import annotations

from typing import Any

from carecircle.core.conf import AppSettings

DEFAULTS: dict[str, Any] = {
    # A running run writes ``ValueRun.heartbeat_at`` this often (a thread, so a long polars
    # step does not look dead).
    "HEARTBEAT_SECONDS": 5,
    # A ``running`` run whose heartbeat is older than this is dead (its process was killed):
    # the next run marks it abandoned, deletes its rows and removes its snapshot folder.
    # Many heartbeats long, so a busy database that delays a few beats never kills a live run.
    "DEAD_AFTER_SECONDS": 120,
}

SETTINGS = AppSettings("VALUE_RUNS", DEFAULTS)
