"""Settings for the kill -9 tests' subprocesses: the real settings with short heartbeats and
limits, so a killed worker or value run is found dead in seconds (core/jobs.py,
value/conf.py).  ``DJANGO_SETTINGS_MODULE=tests.core.jobs_settings`` with the repo on
PYTHONPATH."""

from carecircle.settings import *  # noqa: F403

CARECIRCLE = {
    "JOBS": {
        "WORKER_HEARTBEAT_SECONDS": 0.5,
        "WORKER_DEAD_AFTER_SECONDS": 3,
        "REAP_EVERY_SECONDS": 1,
        "TASK_MAX_ATTEMPTS": 3,
    },
    "VALUE_RUNS": {"HEARTBEAT_SECONDS": 0.5, "DEAD_AFTER_SECONDS": 4},
}
