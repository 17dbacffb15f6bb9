"""Worker tasks survive kill -9 (#21 finding 2): real ``worker`` processes on a real SQLite
file, killed with SIGKILL mid-task.  A fresh worker finds the task whose worker's lease went
stale and runs it to completion exactly once more; a task that kills its worker every time
ends FAILED (WorkerLost) after TASK_MAX_ATTEMPTS and ``worker --status`` reports it.

Short limits come from tests.core.jobs_settings (lease 0.5 s, dead after 3 s, 3 attempts)."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

from . import live_db


def _enqueue(data_dir: Path, task: str, folder: Path) -> str:
    code = f"from tests.core.jobs_tasks import {task}; print({task}.enqueue({str(folder)!r}).id)"
    result = live_db.run(data_dir, "shell", "-c", code, module="django")
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.strip().splitlines()[-1]


def _task(data_dir: Path, task_id: str) -> tuple[str, list[str], str, str]:
    [(status, worker_ids, exc, tb)] = live_db.query(
        data_dir,
        "SELECT status, worker_ids, exception_class_path, traceback"
        " FROM django_tasks_database_dbtaskresult "
        "WHERE replace(id, '-', '') = ?",
        task_id.replace("-", ""),
    )
    return status, json.loads(worker_ids), exc, tb


def _worker(data_dir: Path, worker_id: str) -> subprocess.Popen:
    return live_db.start(
        data_dir,
        "worker", "--no-startup-delay", "--no-reload", "--interval", "0.2",
        "--worker-id", worker_id,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _lines(folder: Path, word: str) -> int:
    log = folder / "log"
    return (
        sum(1 for line in log.read_text().splitlines() if line.startswith(word))
        if log.exists()
        else 0
    )


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_a_worker_killed_mid_task_has_its_task_run_to_completion_exactly_once_by_the_next(
    tmp_path,
):
    data = live_db.data_dir(tmp_path)
    folder = tmp_path / "task"
    folder.mkdir()
    task_id = _enqueue(data, "wait_for_release", folder)

    first = _worker(data, "worker-a")
    try:
        _wait(lambda: _lines(folder, "start") == 1, 60, "the first worker to start the task")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        _stop(first)
    # Dead mid-task: without a lease the library leaves it RUNNING for ever.
    assert _task(data, task_id)[:2] == ("RUNNING", ["worker-a"])
    assert live_db.query(data, "SELECT worker_id FROM core_workerheartbeat") == [("worker-a",)]

    (folder / "release").touch()
    second = _worker(data, "worker-b")
    try:
        _wait(lambda: _task(data, task_id)[0] == "SUCCESSFUL", 90, "the task to succeed")
        time.sleep(1.5)  # a duplicate run would show here
    finally:
        _stop(second)

    status, worker_ids, _, _ = _task(data, task_id)
    assert (status, worker_ids) == ("SUCCESSFUL", ["worker-a", "worker-b"])
    assert _lines(folder, "start") == 2  # killed once, run once more
    assert _lines(folder, "done") == 1  # completed exactly once
    # worker-b gave its lease back on SIGTERM; worker-a's stale lease stays as the record
    assert live_db.query(data, "SELECT worker_id FROM core_workerheartbeat") == [("worker-a",)]


def test_a_task_that_kills_its_worker_every_time_ends_failed_after_the_limit_and_is_reported(
    tmp_path,
):
    data = live_db.data_dir(tmp_path)
    folder = tmp_path / "task"
    folder.mkdir()
    task_id = _enqueue(data, "kill_my_worker", folder)

    for attempt in range(1, 4):  # TASK_MAX_ATTEMPTS = 3 in tests.core.jobs_settings
        worker = _worker(data, f"worker-{attempt}")
        try:
            assert worker.wait(timeout=90) == -signal.SIGKILL  # the task killed it
        finally:
            _stop(worker)
        assert _lines(folder, "start") == attempt
        assert _task(data, task_id)[:2] == (
            "RUNNING",
            [f"worker-{n}" for n in range(1, attempt + 1)],
        )

    last = _worker(data, "worker-4")
    try:
        _wait(lambda: _task(data, task_id)[0] == "FAILED", 60, "the task to be failed")
        time.sleep(1)
        assert last.poll() is None  # the fourth worker never ran it: it is alive
    finally:
        _stop(last)

    status, worker_ids, exception, traceback = _task(data, task_id)
    assert status == "FAILED" and worker_ids == ["worker-1", "worker-2", "worker-3"]
    assert exception == "carecircle.core.jobs.WorkerLost"
    assert traceback.startswith(
        "WorkerLost: the worker running this task stopped (killed or crashed) 3 time(s); "
        "not retried again (TASK_MAX_ATTEMPTS=3)"
    )
    assert _lines(folder, "start") == 3

    report = live_db.run(data, "worker", "--status")
    assert report.returncode == 0, report.stderr
    assert "因工作进程中断而失败: 1" in report.stdout
    assert f"FAILED {task_id} tests.core.jobs_tasks.kill_my_worker attempts 3" in report.stdout


def test_a_second_live_worker_under_the_same_id_is_refused_and_a_killed_ones_successor_is_not(
    tmp_path,
):
    """#21 review: two live processes under one ``--worker-id`` — the second used to renew the
    first's lease and requeue (run again) its running task.  Now it refuses in one line, exit 2,
    and the task stays with the first.  Once the first is killed, a worker restarted under the
    same id on this host takes over at once (its predecessor's pid is gone) and runs the task."""
    data = live_db.data_dir(tmp_path)
    folder = tmp_path / "task"
    folder.mkdir()
    task_id = _enqueue(data, "wait_for_release", folder)

    first = _worker(data, "host-1")
    try:
        _wait(lambda: _lines(folder, "start") == 1, 60, "the first worker to start the task")
        second = live_db.run(data, "worker", "--no-startup-delay", "--no-reload",
                             "--worker-id", "host-1", timeout=120)  # fmt: skip
        assert second.returncode == 2
        assert second.stderr.startswith(
            f"CommandError: worker id 'host-1' is in use by pid {first.pid} on "
        )
        assert second.stderr.count("\n") == 1
        assert _task(data, task_id)[:2] == ("RUNNING", ["host-1"])
        assert _lines(folder, "start") == 1  # not started a second time
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        _stop(first)

    (folder / "release").touch()
    restarted = _worker(data, "host-1")
    try:
        _wait(lambda: _task(data, task_id)[0] == "SUCCESSFUL", 60, "the task to succeed")
        assert live_db.query(data, "SELECT pid FROM core_workerheartbeat") == [(restarted.pid,)]
    finally:
        _stop(restarted)
    assert _task(data, task_id)[:2] == ("SUCCESSFUL", ["host-1", "host-1"])
    assert (_lines(folder, "start"), _lines(folder, "done")) == (2, 1)
