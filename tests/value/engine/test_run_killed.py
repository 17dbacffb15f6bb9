"""A value run killed with SIGKILL mid-write (#21 finding 2): a real ``carecircle value run``
process on a real SQLite file, killed after it has written some rows.  Its heartbeat stops;
once it is older than DEAD_AFTER_SECONDS the next run marks it abandoned, deletes its rows and
its snapshot folder, and becomes current and complete.  A reader polling the whole time only
ever sees the previous run, complete, until the switch-over.

Short limits from tests.core.jobs_settings (heartbeat 0.5 s, dead after 4 s)."""

from __future__ import annotations

import re
import signal
import subprocess
import threading
import time
from pathlib import Path

from tests.core import live_db

AS_OF = "2026-11-22"
CUSTOMERS = 1500


def _runs(data: Path) -> dict[int, tuple]:
    rows = live_db.query(
        data, "SELECT id, status, is_current, folder, error, heartbeat_at FROM value_valuerun"
    )
    return {row[0]: row[1:] for row in rows}


def _rows(data: Path, run_id: int) -> int:
    return live_db.query(data, "SELECT count(*) FROM value_customervalue WHERE run_id = ?", run_id)[
        0
    ][0]


class Reader(threading.Thread):
    """Reads what readers read (the current run and its rows) until stopped."""

    def __init__(self, data: Path) -> None:
        super().__init__(daemon=True)
        self.data = data
        self.stop = threading.Event()
        self.seen: list[tuple[tuple[int, ...], int]] = []

    def run(self) -> None:
        while not self.stop.is_set():
            current = tuple(
                r[0]
                for r in live_db.query(self.data, "SELECT id FROM value_valuerun WHERE is_current")
            )
            count = _rows(self.data, current[0]) if len(current) == 1 else -1
            self.seen.append((current, count))
            time.sleep(0.05)


def test_a_value_run_killed_mid_write_is_abandoned_cleaned_up_and_replaced_by_the_next_run(
    tmp_path,
):
    data = live_db.data_dir(tmp_path)
    made = live_db.run(
        data, "generate", "--customers", str(CUSTOMERS), "--seed", "5", "--into-db",
        "--no-progress",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr[-3000:]
    customers = live_db.query(data, "SELECT count(*) FROM parties_customer")[0][0]
    first = live_db.run(data, "value", "run", "--as-of", AS_OF)
    assert first.returncode == 0, first.stderr[-3000:]
    [old] = [pk for pk, r in _runs(data).items() if r[1]]
    assert _rows(data, old) == customers

    reader = Reader(data)
    reader.start()
    killed = live_db.start(
        data,
        "value", "run", "--as-of", AS_OF, "--horizon-years", "3",
        "--write-batch", "100", "--write-pause", "0.3",
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        assert killed.stderr is not None
        for line in killed.stderr:  # "[  9.1 s]   300/1500" after each batch
            written = re.search(r"\]\s+(\d+)/(\d+)$", line.rstrip())
            if written and int(written.group(1)) >= 300:
                break
        killed.send_signal(signal.SIGKILL)
        assert killed.wait(timeout=10) == -signal.SIGKILL
    finally:
        if killed.poll() is None:
            killed.kill()
            killed.wait()
    [dead] = [pk for pk in _runs(data) if pk != old]
    status, current, folder, _, _ = _runs(data)[dead]
    assert (status, current) == ("running", 0)
    assert 300 <= _rows(data, dead) < customers  # partial rows, never seen by readers
    assert folder and Path(folder).is_dir() and Path(folder).parent == data / "value"

    time.sleep(4.5)  # DEAD_AFTER_SECONDS = 4: the heartbeat is now too old
    again = live_db.run(data, "value", "run", "--as-of", AS_OF, "--horizon-years", "2")
    reader.stop.set()
    reader.join(timeout=10)
    assert again.returncode == 0, again.stderr[-3000:]

    runs = _runs(data)
    status, current, _, error, _ = runs[dead]
    assert (status, current) == ("abandoned", 0)
    assert error.startswith("abandoned: no heartbeat for ")
    assert _rows(data, dead) == 0
    assert not Path(folder).exists()
    [new] = [pk for pk in runs if pk not in (old, dead)]
    assert runs[new][:2] == ("succeeded", 1)
    assert _rows(data, new) == customers
    assert f"{customers} customers" in again.stdout
    assert [pk for pk, r in runs.items() if r[0] == "running"] == []
    assert not list((data / "value").glob("snapshot-run-*"))  # no folder left behind

    # What readers saw: one current run, complete, the old one until the switch-over.
    assert reader.seen and set(reader.seen) <= {((old,), customers), ((new,), customers)}
    assert reader.seen[0] == ((old,), customers)
