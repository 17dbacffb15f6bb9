"""core.jobs rules, in-process (the kill -9 drills with real processes are in
test_worker_killed.py): a RUNNING task whose worker's lease is stale is requeued while it has
attempts left, then failed (WorkerLost); a live worker's task is never touched; a task no
lease ever covered counts as orphaned once it is older than the limit."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from carecircle.core import jobs
from carecircle.core.models import WorkerHeartbeat
from tests.factories import WorkerHeartbeatFactory

from .jobs_tasks import wait_for_release

pytestmark = pytest.mark.django_db
LIMITS = {"JOBS": {"WORKER_DEAD_AFTER_SECONDS": 60, "TASK_MAX_ATTEMPTS": 3}}


def _running(
    worker_ids: list[str], started_seconds_ago: float = 120, folder: str = "/nowhere"
) -> DBTaskResult:
    result = wait_for_release.enqueue(folder)
    DBTaskResult.objects.filter(pk=result.id).update(
        status="RUNNING",
        worker_ids=worker_ids,
        started_at=timezone.now() - dt.timedelta(seconds=started_seconds_ago),
    )
    return DBTaskResult.objects.get(pk=result.id)


def _seen(worker_id: str, seconds_ago: float) -> None:
    WorkerHeartbeatFactory(
        worker_id=worker_id, seen_at=timezone.now() - dt.timedelta(seconds=seconds_ago)
    )


def test_a_task_whose_worker_lease_is_stale_is_requeued_while_it_has_attempts_left(settings):
    settings.CARECIRCLE = LIMITS
    _seen("dead", 61)
    task = _running(["earlier", "dead"])

    reaped = jobs.reap_orphaned_tasks()

    task.refresh_from_db()
    assert reaped.requeued == [str(task.pk)] and reaped.failed == []
    assert task.status == "READY" and task.worker_ids == ["earlier", "dead"]
    assert jobs.reap_orphaned_tasks().requeued == []  # handled once


def test_a_task_tried_the_limit_of_times_is_failed_as_worker_lost(settings):
    settings.CARECIRCLE = LIMITS
    _seen("w3", 300)
    task = _running(["w1", "w2", "w3"])

    reaped = jobs.reap_orphaned_tasks()

    task.refresh_from_db()
    assert reaped.failed == [str(task.pk)] and reaped.requeued == []
    assert task.status == "FAILED" and task.finished_at is not None
    assert task.exception_class_path == "carecircle.core.jobs.WorkerLost"
    assert task.traceback == jobs.lost_reason(3, 3)
    out = StringIO()
    call_command("worker", "--status", stdout=out)
    assert f"FAILED {task.pk} tests.core.jobs_tasks.wait_for_release attempts 3" in out.getvalue()


def test_a_live_workers_task_is_never_touched_however_long_it_runs(settings):
    settings.CARECIRCLE = LIMITS
    _seen("alive", 5)
    task = _running(["alive"], started_seconds_ago=3 * 3600)

    assert not jobs.reap_orphaned_tasks()
    task.refresh_from_db()
    assert task.status == "RUNNING"


def test_a_task_of_a_worker_with_no_lease_is_orphaned_only_after_the_limit(settings):
    settings.CARECIRCLE = LIMITS
    fresh = _running(["never-leased"], started_seconds_ago=10)
    old = _running(["never-leased-either"], started_seconds_ago=61)

    reaped = jobs.reap_orphaned_tasks()

    assert reaped.requeued == [str(old.pk)]
    fresh.refresh_from_db()
    assert fresh.status == "RUNNING"


def test_a_worker_restarted_under_the_same_id_takes_back_the_task_its_predecessor_left(
    settings,
):
    """A fixed ``--worker-id`` renews the killed process's lease: the restarted worker still
    finds the task left RUNNING under its id (it is running nothing yet); others do not."""
    settings.CARECIRCLE = LIMITS
    _seen("host-1", 1)
    task = _running(["host-1"], started_seconds_ago=5)

    assert not jobs.reap_orphaned_tasks()
    assert not jobs.reap_orphaned_tasks(restarted="host-2")
    assert jobs.reap_orphaned_tasks(restarted="host-1").requeued == [str(task.pk)]
    task.refresh_from_db()
    assert task.status == "READY"


def test_worker_status_lists_workers_and_stuck_tasks(settings):
    settings.CARECIRCLE = LIMITS
    _seen("alive", 1)
    _seen("gone", 600)
    stuck = _running(["gone"])
    out = StringIO()

    call_command("worker", "--status", stdout=out)

    text = out.getvalue()
    assert "alive pid" in text and "alive / 在线" in text
    assert "gone pid" in text and "DEAD / 已中断" in text
    assert "orphaned by a dead worker / 工作进程已中断: 1" in text
    assert f"STUCK {stuck.pk} tests.core.jobs_tasks.wait_for_release attempts 1" in text


@pytest.mark.django_db(transaction=True)  # the lease thread has its own connection
def test_a_starting_worker_requeues_a_dead_workers_task_runs_it_and_gives_its_lease_back(
    settings, tmp_path
):
    """``--batch`` runs what is ready and stops; at start-up it reaps, at the end it leaves."""
    settings.CARECIRCLE = LIMITS
    _seen("gone", 600)
    (tmp_path / "release").touch()
    orphan = _running(["gone"], folder=str(tmp_path))
    call_command("worker", "--batch", "--no-reload", "--no-startup-delay", "--worker-id", "w-batch",
                 "--interval", "0", stdout=StringIO(), verbosity=0)  # fmt: skip
    orphan.refresh_from_db()
    assert (orphan.status, orphan.worker_ids) == ("SUCCESSFUL", ["gone", "w-batch"])
    assert (tmp_path / "log").read_text().count("done") == 1
    assert not WorkerHeartbeat.objects.filter(worker_id="w-batch").exists()
