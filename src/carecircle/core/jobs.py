"""Jobs that survive ``kill -9``: heartbeats, worker leases and the reaper (docs/jobs.md).

A long job proves it is alive by writing a timestamp every few seconds from a thread
(``Heartbeat``) — a thread, so a long step (a polars query, a big insert) never looks dead.
A job whose heartbeat is older than its limit was killed (SIGKILL, OOM, a lost machine): the
next job of the same kind cleans up after it instead of waiting hours or for ever.

Task workers (``carecircle worker``, core/management/commands/worker.py) hold a lease: a
``WorkerHeartbeat`` row per worker, beaten by a thread.  Every worker, on start-up and every
``REAP_EVERY_SECONDS``, looks for ``RUNNING`` tasks (django-tasks-db) whose worker's lease is
older than ``WORKER_DEAD_AFTER_SECONDS`` and puts them back to ``READY``; a task that has
already been tried ``TASK_MAX_ATTEMPTS`` times (counted from its ``worker_ids``, one per
claim) is marked ``FAILED`` with a ``WorkerLost`` reason instead — a task that kills its
worker every time does not kill every worker for ever.  ``carecircle worker --status`` lists
the workers, the orphaned tasks and the tasks failed this way.

Tasks must be safe to run again (at-least-once): a worker killed after the task's work
committed but before the task was marked successful runs it again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import socket
import threading
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone

from carecircle.core.conf import AppSettings

log = logging.getLogger(__name__)

DEFAULTS: dict[str, Any] = {
    # A worker writes its lease (WorkerHeartbeat.seen_at) this often.
    "WORKER_HEARTBEAT_SECONDS": 5,
    # A worker not seen for this long is dead; its RUNNING task is requeued or failed.
    # On SQLite keep it above the longest write transaction a task holds (the lease waits).
    "WORKER_DEAD_AFTER_SECONDS": 60,
    # How often a live worker looks for tasks orphaned by a dead one (it also looks at start).
    "REAP_EVERY_SECONDS": 15,
    # Times a task is started (claims, one per worker) before a dead worker fails it.
    "TASK_MAX_ATTEMPTS": 3,
    # A RUNNING task whose worker never held a lease (a plain ``db_worker``, e.g. one still
    # running during the first deploy of the leases) is taken for orphaned only this long
    # after it started: nothing proves such a worker dead, so wait far beyond any real task.
    "UNLEASED_TASK_DEAD_AFTER_SECONDS": 6 * 3600,
    # The lease of a worker dead this long is deleted (at start-up and at each reap), so
    # ``worker --status`` does not grow for ever; within the window it stays as the record.
    "PRUNE_LEASES_AFTER_SECONDS": 7 * 24 * 3600,
}

SETTINGS = AppSettings("JOBS", DEFAULTS)

WORKER_LOST = "carecircle.core.jobs.WorkerLost"


class WorkerLost(RuntimeError):
    """The reason recorded on a task whose worker died ``TASK_MAX_ATTEMPTS`` times."""


def in_memory_database() -> bool:
    """An in-memory SQLite database (the tests') is seen by this process only: no other
    process can find a dead job there, and a second thread writing it only adds lock errors."""
    return connection.vendor == "sqlite" and bool(connection.is_in_memory_db())  # type: ignore[attr-defined]


class Heartbeat:
    """``with Heartbeat(beat, every=5):`` calls ``beat()`` every ``every`` seconds from a
    daemon thread while the block runs.  A failing beat, whatever the error, is logged, the
    thread's connection closed and the beat tried again at the next tick on a fresh connection
    (a locked database or a cut connection must not stop the beats while the job runs on); the
    connection is closed when the thread stops.  On an in-memory database no thread is started
    (``in_memory_database``)."""

    def __init__(self, beat: Callable[[], None], *, every: float, name: str = "heartbeat"):
        self.beat = beat
        self.every = every
        self.name = name
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.every):
                try:
                    self.beat()
                except Exception:
                    # Whatever failed (a locked database, a connection cut by a database
                    # restart or an idle timeout — on PostgreSQL an InterfaceError, which is no
                    # DatabaseError), the thread lives on.  Its connection may be broken for
                    # good: close it, so the next beat connects afresh instead of failing
                    # for ever while the job runs on under a lease nobody renews.
                    log.warning(
                        "%s: could not beat; reconnecting at the next beat", self.name,
                        exc_info=True,
                    )  # fmt: skip
                    self._reset_connections()
        finally:
            self._reset_connections()

    @staticmethod
    def _reset_connections() -> None:
        """Close this thread's connections (connections are per thread)."""
        try:
            connections.close_all()
        except Exception:
            log.warning("heartbeat: could not close its connection", exc_info=True)

    def __enter__(self) -> Heartbeat:
        if not in_memory_database():
            self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=max(self.every, 1) + 30)


# --- task workers ---------------------------------------------------------------------------


def beat_worker(worker_id: str) -> None:
    """Write (or renew) the worker's lease."""
    from carecircle.core.models import WorkerHeartbeat

    now = timezone.now()
    updated = WorkerHeartbeat.objects.filter(worker_id=worker_id).update(seen_at=now)
    if not updated:
        WorkerHeartbeat.objects.update_or_create(
            worker_id=worker_id,
            defaults={"seen_at": now, "pid": os.getpid(), "host": socket.gethostname()[:255]},
        )


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # another user's process (or an odd pid): take it for alive
    return True


def claim_lease(worker_id: str) -> str | None:
    """Take the lease of ``worker_id`` for this process, or say in one line why not.

    Two live processes must never share a worker id: the second would requeue the first's
    running task at start-up (``restarted``) and run it again.  A lease another process holds
    is refused while it is fresh — unless that process is on this host and gone (a worker
    killed and restarted at once under a fixed ``--worker-id``).  A stale lease is taken over.
    One transaction (the row locked on PostgreSQL; SQLite's IMMEDIATE transactions serialise
    writers), so two processes starting together cannot both take it.
    """
    from carecircle.core.models import WorkerHeartbeat

    host = socket.gethostname()[:255]
    pid = os.getpid()
    now = timezone.now()
    try:
        with transaction.atomic():
            lease = WorkerHeartbeat.objects.select_for_update().filter(worker_id=worker_id).first()
            if lease is not None and lease.seen_at >= now - _dead_after():
                ours = lease.host == host and lease.pid == pid
                gone = (
                    lease.host == host and lease.pid is not None and not _process_alive(lease.pid)
                )
                if not (ours or gone):
                    age = (now - lease.seen_at).total_seconds()
                    return (
                        f"worker id {worker_id!r} is in use by pid {lease.pid} on {lease.host} "
                        f"(seen {age:.0f} s ago); give each worker its own --worker-id / "
                        "该工作进程编号正被另一进程使用"
                    )
            WorkerHeartbeat.objects.update_or_create(
                worker_id=worker_id,
                defaults={"seen_at": now, "started_at": now, "pid": pid, "host": host},
            )
    except IntegrityError:  # another process created the same lease in between
        return (
            f"worker id {worker_id!r} was just taken by another process; give each worker its "
            "own --worker-id / 该工作进程编号正被另一进程使用"
        )
    return None


def forget_worker(worker_id: str) -> None:
    """A worker that stops cleanly gives its lease back.  It runs nothing any more: a task
    still RUNNING under its id (its end could not be recorded) is requeued first, so it does
    not wait for the long limit of tasks no lease covers."""
    from carecircle.core.models import WorkerHeartbeat

    reap_orphaned_tasks(restarted=worker_id)
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


def prune_leases(now: dt.datetime | None = None) -> int:
    """Delete the leases of workers dead for more than ``PRUNE_LEASES_AFTER_SECONDS``."""
    from carecircle.core.models import WorkerHeartbeat

    limit = (now or timezone.now()) - dt.timedelta(
        seconds=float(SETTINGS["PRUNE_LEASES_AFTER_SECONDS"])
    )
    deleted, _ = WorkerHeartbeat.objects.filter(seen_at__lt=limit).delete()
    return deleted


@dataclasses.dataclass
class Reaped:
    requeued: list[str] = dataclasses.field(default_factory=list)
    failed: list[str] = dataclasses.field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.requeued or self.failed)


def _dead_after() -> dt.timedelta:
    return dt.timedelta(seconds=float(SETTINGS["WORKER_DEAD_AFTER_SECONDS"]))


def orphaned_tasks(now: dt.datetime | None = None, restarted: str | None = None):
    """RUNNING tasks whose (last) worker is dead, oldest first.

    Dead means: its lease is older than ``WORKER_DEAD_AFTER_SECONDS`` (and the task started
    before that).  A worker id with no lease at all proves nothing — a plain ``db_worker``
    (say, still running during the first deploy of the leases) never writes one — so its task
    counts as orphaned only once it started ``UNLEASED_TASK_DEAD_AFTER_SECONDS`` ago.

    ``restarted``: a worker starting under a fixed ``--worker-id`` (systemd ``%H-1``) took
    over the lease of the process it replaces (``claim_lease``), so the tasks still RUNNING
    under its own id are orphaned whatever the lease says: it is running nothing yet.
    """
    from django_tasks_db.models import DBTaskResult

    from carecircle.core.models import WorkerHeartbeat

    now = now or timezone.now()
    limit = now - _dead_after()
    unleased_limit = now - dt.timedelta(seconds=float(SETTINGS["UNLEASED_TASK_DEAD_AFTER_SECONDS"]))
    seen = dict(WorkerHeartbeat.objects.values_list("worker_id", "seen_at"))

    def orphaned(task) -> bool:
        last = task.worker_ids[-1] if task.worker_ids else None
        if last is not None and last == restarted:
            return True
        if last in seen:
            return seen[last] < limit and task.started_at < limit
        return task.started_at < unleased_limit

    return [t for t in DBTaskResult.objects.running().order_by("started_at") if orphaned(t)]


def lost_reason(attempts: int, limit: int) -> str:
    return (
        f"WorkerLost: the worker running this task stopped (killed or crashed) {attempts} "
        f"time(s); not retried again (TASK_MAX_ATTEMPTS={limit}) / "
        f"执行该任务的工作进程已中断 {attempts} 次，不再重试"
    )


def reap_orphaned_tasks(restarted: str | None = None) -> Reaped:
    """Requeue the tasks of dead workers, or fail them once they used up their attempts
    (``restarted``: see ``orphaned_tasks``).

    Each change is one conditional UPDATE (still RUNNING, same start): a task that a live
    worker claimed again in between, or that another reaper already handled, is left alone.
    """
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    limit = int(SETTINGS["TASK_MAX_ATTEMPTS"])
    now = timezone.now()
    reaped = Reaped()
    prune_leases(now)
    for task in orphaned_tasks(now, restarted):
        attempts = len(task.worker_ids)
        same = DBTaskResult.objects.filter(
            pk=task.pk, status=TaskResultStatus.RUNNING, started_at=task.started_at
        )
        if attempts < limit:
            if same.update(status=TaskResultStatus.READY):
                reaped.requeued.append(str(task.pk))
                log.warning(
                    "task %s (%s): its worker %s died; requeued (attempt %d of %d)",
                    task.pk, task.task_path, task.worker_ids[-1:], attempts, limit,
                )  # fmt: skip
        elif same.update(
            status=TaskResultStatus.FAILED,
            finished_at=now,
            return_value=None,
            exception_class_path=WORKER_LOST,
            traceback=lost_reason(attempts, limit),
        ):
            reaped.failed.append(str(task.pk))
            log.error(
                "task %s (%s): its worker died %d times; marked FAILED (WorkerLost)",
                task.pk, task.task_path, attempts,
            )  # fmt: skip
    return reaped


class WorkerTick:
    """What a worker's heartbeat thread does at each beat: renew the lease and, every
    ``REAP_EVERY_SECONDS``, reap the tasks of dead workers."""

    def __init__(self, worker_id: str) -> None:
        self.worker_id = worker_id
        self.last_reap = timezone.now()

    def __call__(self) -> None:
        beat_worker(self.worker_id)
        now = timezone.now()
        if (now - self.last_reap).total_seconds() >= float(SETTINGS["REAP_EVERY_SECONDS"]):
            self.last_reap = now
            reap_orphaned_tasks()


def status_lines(now: dt.datetime | None = None) -> list[str]:
    """``carecircle worker --status``: workers, orphaned tasks, tasks failed by WorkerLost."""
    from django_tasks_db.models import DBTaskResult

    from carecircle.core.models import WorkerHeartbeat

    now = now or timezone.now()
    dead_after = _dead_after()
    lines = ["workers / 工作进程:"]
    workers = list(WorkerHeartbeat.objects.order_by("-seen_at"))
    for w in workers:
        age = (now - w.seen_at).total_seconds()
        state = "alive / 在线" if age < dead_after.total_seconds() else "DEAD / 已中断"
        lines.append(f"  {w.worker_id} pid {w.pid} on {w.host}: seen {age:.0f} s ago, {state}")
    if not workers:
        lines.append("  (none / 无)")
    running = DBTaskResult.objects.running().count()
    orphans = orphaned_tasks(now)
    lines.append(
        f"tasks running / 运行中的任务: {running}; orphaned by a dead worker / 工作进程已中断: "
        f"{len(orphans)}"
    )
    for t in orphans:
        lines.append(f"  STUCK {t.pk} {t.task_path} attempts {len(t.worker_ids)}")
    lost = DBTaskResult.objects.failed().filter(exception_class_path=WORKER_LOST)
    lines.append(f"tasks failed because their worker died / 因工作进程中断而失败: {lost.count()}")
    for t in lost.order_by("-finished_at")[:20]:
        lines.append(
            f"  FAILED {t.pk} {t.task_path} attempts {len(t.worker_ids)} at {t.finished_at:%F %T}"
        )
    return lines
