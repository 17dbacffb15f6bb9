"""``carecircle worker``: django-tasks-db's worker with a lease, so a task survives kill -9.

Same options as ``db_worker`` (``--no-startup-delay --no-reload --interval 0.5`` as the demo
starts it, ``--batch``, ``--max-tasks``, ``--queue-name`` …) plus ``--status``.  The worker
writes its lease (core.models.WorkerHeartbeat) from a thread every
``JOBS["WORKER_HEARTBEAT_SECONDS"]``; on start-up and every ``REAP_EVERY_SECONDS`` it requeues
the RUNNING tasks of workers whose lease went stale (the worker was killed), or fails them
(``WorkerLost``) once they were tried ``TASK_MAX_ATTEMPTS`` times (core/jobs.py,
docs/jobs.md).  ``--status`` prints the workers, the stuck tasks and the tasks failed that way.
A ``--worker-id`` whose lease another live process holds is refused (one line, exit 2).
"""

from __future__ import annotations

import logging
import os
from argparse import ArgumentParser
from typing import Any

from django.db import DatabaseError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker

from carecircle.core import jobs

log = logging.getLogger(jobs.__name__)


class LeasedWorker(db_worker.Worker):
    """django-tasks-db's Worker, holding a lease and reaping dead workers' tasks."""

    def run(self) -> None:
        jobs.beat_worker(self.worker_id)  # the lease exists before the first claim
        try:
            reaped = jobs.reap_orphaned_tasks(restarted=self.worker_id)  # (and prunes leases)
        except DatabaseError:  # a locked database: the heartbeat thread reaps again soon
            log.warning("worker %s: could not reap at start-up", self.worker_id, exc_info=True)
            reaped = jobs.Reaped()
        if reaped:
            log.warning(
                "worker %s at start-up: %d task(s) of dead workers requeued, %d failed",
                self.worker_id, len(reaped.requeued), len(reaped.failed),
            )  # fmt: skip
        every = float(jobs.SETTINGS["WORKER_HEARTBEAT_SECONDS"])
        try:
            with jobs.Heartbeat(jobs.WorkerTick(self.worker_id), every=every, name="worker-lease"):
                super().run()
        finally:
            try:
                jobs.forget_worker(self.worker_id)
            except Exception:
                log.warning("worker %s: could not give its lease back", self.worker_id)


class Command(db_worker.Command):
    help = "Run the task worker with a lease (jobs survive kill -9) / 任务工作进程"

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--status",
            action="store_true",
            help="list the workers, tasks stuck under a dead worker and tasks failed because "
            "their worker died, then exit / 查看工作进程与卡住的任务",
        )

    def configure_logging(self, verbosity: int) -> None:
        super().configure_logging(verbosity)
        if not log.hasHandlers():
            log.addHandler(logging.StreamHandler(self.stdout))
        log.setLevel(logging.INFO if verbosity else logging.CRITICAL)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["status"]:
            self.stdout.write("\n".join(jobs.status_lines()))
            return
        self.configure_logging(options["verbosity"])
        reload = options["reload"]
        if reload and options["batch"]:
            reload = False
        queue_names = options["queue_name"].split(",")
        excluded = options["exclude_queues"].split(",") if options["exclude_queues"] else []
        if excluded and "*" not in queue_names:
            raise db_worker.CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = LeasedWorker(
            queue_names=queue_names,
            interval=options["interval"],
            batch=options["batch"],
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
            excluded_queue_names=excluded,
        )
        # The process that runs the worker (not the autoreloader's parent, which only restarts
        # its child) takes the lease first: a worker id another live process holds is refused.
        if not reload or os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
            refused = jobs.claim_lease(worker.worker_id)
            if refused:
                raise db_worker.CommandError(refused, returncode=2)
        if reload:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
