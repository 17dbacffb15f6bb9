"""An import killed with SIGKILL mid-file resumes by running it again (#21 finding 2): a real
``carecircle import`` process on a real SQLite file, killed after its first batch of
customers committed.  Rows are written in batches of 5,000, each one transaction, and upserted
by business key, so the second run inserts what is missing and leaves the rest unchanged; the
third changes nothing.  No row is lost or loaded twice."""

from __future__ import annotations

import json
import signal
import subprocess
import time

from tests.core import live_db

CUSTOMERS = 12_000
TABLES = ("org_units", "partners", "staff", "customers")


def _customers(data) -> int:
    return live_db.query(data, "SELECT count(*) FROM parties_customer")[0][0]


def _import(data, out) -> dict[str, dict]:
    done = live_db.run(data, "import", "--json", "--no-progress", *(str(out / t) for t in TABLES))
    assert done.returncode == 0, done.stderr[-3000:]
    return {t["table"]: t for t in json.loads(done.stdout.strip().splitlines()[-1])["tables"]}


def test_an_import_killed_mid_file_completes_on_the_next_run_with_no_row_lost_or_doubled(
    tmp_path,
):
    data = live_db.data_dir(tmp_path)
    out = tmp_path / "book"
    made = live_db.run(
        data, "generate", "--customers", str(CUSTOMERS), "--seed", "3", "--out", str(out),
        "--no-progress",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr[-3000:]

    killed = live_db.start(
        data, "import", "--no-progress", *(str(out / t) for t in TABLES),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 240
        while _customers(data) == 0 and killed.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        killed.send_signal(signal.SIGKILL)
        assert killed.wait(timeout=10) == -signal.SIGKILL, "the import finished before the kill"
    finally:
        if killed.poll() is None:
            killed.kill()
            killed.wait()
    loaded = _customers(data)
    assert 0 < loaded < CUSTOMERS  # killed mid-file, whole batches in

    second = _import(data, out)["customers"]
    assert second["rows"] == CUSTOMERS
    assert second["unchanged"] == loaded  # the killed run's rows, kept as they were
    assert second["inserted"] + second["unchanged"] + second["rejected"] == CUSTOMERS
    assert _customers(data) == CUSTOMERS - second["rejected"]
    dupes = live_db.query(
        data, "SELECT customer_no FROM parties_customer GROUP BY customer_no HAVING count(*) > 1"
    )
    assert dupes == []

    third = _import(data, out)["customers"]
    assert (third["inserted"], third["updated"]) == (0, 0)
    assert _customers(data) == CUSTOMERS - second["rejected"]
