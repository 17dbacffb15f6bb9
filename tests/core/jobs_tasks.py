"""Tasks for the worker kill -9 tests (tests/core/test_worker_killed.py).

``wait_for_release`` appends ``start`` to ``<folder>/log`` each time a worker begins it, waits
for ``<folder>/release``, then appends ``done``; ``kill_my_worker`` SIGKILLs the process that
runs it — every time."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from django_tasks import task


@task()
def wait_for_release(folder: str) -> str:
    log = Path(folder) / "log"
    with log.open("a") as f:
        f.write(f"start {os.getpid()}\n")
    while not (Path(folder) / "release").exists():
        time.sleep(0.05)
    with log.open("a") as f:
        f.write(f"done {os.getpid()}\n")
    return "released"


@task()
def kill_my_worker(folder: str) -> None:
    with (Path(folder) / "log").open("a") as f:
        f.write(f"start {os.getpid()}\n")
    os.kill(os.getpid(), signal.SIGKILL)
