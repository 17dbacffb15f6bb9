"""``carecircle value run``: snapshot → pipeline → rows under a new run → atomic switch-over.

The new run's rows are written while the previous run stays current.  Only when every row is
in does one transaction move ``is_current``, record tier changes, open reviews and propose list
entries.  A failure at any step marks the run failed and deletes its rows.

A running run beats: a thread writes ``heartbeat_at`` every ``HEARTBEAT_SECONDS``
(value/conf.py).  A killed process (SIGKILL, OOM) leaves a ``running`` run whose heartbeat
stops; once it is older than ``DEAD_AFTER_SECONDS`` the next run marks it ``abandoned``,
deletes its rows and removes its snapshot folder (recorded on the run).  A run whose heartbeat
is fresh blocks the next one (``RunInProgress``) unless ``force`` — for an operator who knows
the process is gone.  Readers never see the killed run: ``is_current`` only moves at the end.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import polars as pl
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from carecircle.core import handoff
from carecircle.core.handoff import Event
from carecircle.core.jobs import Heartbeat

from ..conf import SETTINGS
from ..models import CustomerValue, RunStatus, ValueRun
from ..services.model_versions import active_book_models, load_model
from . import book_models, dbio, decisions, portfolio
from .checks import clean_inputs
from .export import export_snapshot
from .params import ValueParams
from .pipeline import compute, results
from .snapshot import scan_snapshot

log = logging.getLogger(__name__)
KEEP_RUNS = 2  # the current run and the one before it (for comparison)


class RunInProgress(RuntimeError):
    pass


class RunAbandoned(RuntimeError):
    """This run was marked abandoned (``--force`` by another run) while it was still going."""


def _snapshot_base() -> Path:
    return Path(settings.DATA_DIR) / "value"


def _remove_folder(run: ValueRun) -> None:
    """Remove the run's own export — only a ``snapshot-run-*`` folder under DATA_DIR/value
    (never a ``--snapshot`` folder an operator passed in)."""
    if not run.folder:
        return
    folder = Path(run.folder)
    try:
        inside = folder.resolve().parent == _snapshot_base().resolve()
    except OSError:
        return
    if inside and folder.name.startswith("snapshot-run-"):
        shutil.rmtree(folder, ignore_errors=True)


def abandon(run: ValueRun, reason: str, *, silent_before: dt.datetime | None = None) -> bool:
    """Mark a dead run ``abandoned``, then delete its rows and remove its snapshot folder.

    The status moves first, by one conditional UPDATE (still ``running`` and, unless forced,
    still silent since ``silent_before``); rows and folder go only if that UPDATE changed the
    run.  A run that beat, finished or switched over meanwhile is left alone — deleting first
    could leave a run that then became current with no rows.  Returns whether it abandoned.
    """
    still = ValueRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING)
    if silent_before is not None:
        still = still.filter(
            Q(heartbeat_at__lt=silent_before)
            | Q(heartbeat_at__isnull=True, started_at__lt=silent_before)
        )
    if not still.update(status=RunStatus.ABANDONED, finished_at=timezone.now(), error=reason):
        return False
    CustomerValue.objects.filter(run=run).delete()
    _remove_folder(run)
    log.warning("value run %s abandoned: %s", run.pk, reason)
    return True


def _in_progress(run: ValueRun, seconds: int, dead_after: dt.timedelta) -> RunInProgress:
    return RunInProgress(
        f"value run {run.pk} started at {run.started_at:%Y-%m-%d %H:%M} is still running"
        f" (last heartbeat {seconds} s ago; dead after {dead_after.total_seconds():.0f} s"
        "; --force if you know its process is gone)"
        f" / 另一批次正在运行（{seconds} 秒前仍有心跳）"
    )


def _abandon_dead(*, force: bool = False) -> list[int]:
    dead_after = dt.timedelta(seconds=float(SETTINGS["DEAD_AFTER_SECONDS"]))
    abandoned = []
    for run in ValueRun.objects.filter(status=RunStatus.RUNNING):
        now = timezone.now()
        silent = now - (run.heartbeat_at or run.started_at)
        seconds = int(silent.total_seconds())
        if silent < dead_after and not force:
            raise _in_progress(run, seconds, dead_after)
        reason = (
            f"abandoned: no heartbeat for {seconds} s, the process stopped before finishing"
            " / 心跳中断，进程未完成即停止"
            if silent >= dead_after
            else "abandoned: --force by an operator / 操作员强制放弃"
        )
        if abandon(run, reason, silent_before=None if force else now - dead_after):
            abandoned.append(run.pk)
        elif ValueRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).exists():
            raise _in_progress(run, 0, dead_after)  # it beat just now: alive after all
    return abandoned


def _purge_old_runs() -> None:
    keep = list(
        ValueRun.objects.filter(status=RunStatus.SUCCEEDED)
        .order_by("-finished_at", "-id")
        .values_list("id", flat=True)[:KEEP_RUNS]
    )
    # By the old runs' ids (indexed), not "run not in keep" (a scan of every row).
    old = ValueRun.objects.exclude(id__in=keep).values_list("id", flat=True)
    CustomerValue.objects.filter(run_id__in=list(old)).delete()


def _attach_scores(inputs, folder: Path, params: ValueParams, say) -> dict:
    """Score with the active book models; without them the experience fallback is used.

    A stored model of an older schema raises ``ModelSchemaError`` here, before anything is
    written, so the run fails clearly and the previous results stay current.
    """
    risk, renewal = active_book_models()
    described = {
        kind: None if m is None else {"id": m.pk, "version": m.version, "name": m.name}
        for kind, m in (("risk", risk), ("renewal", renewal))
    }
    if risk is None and renewal is None:
        return {**described, "method": "experience"}
    say("scoring with the book models / 模型评分")
    inputs.scores = book_models.score(
        folder,
        inputs,
        params,
        None if risk is None else load_model(risk),
        None if renewal is None else load_model(renewal),
    )
    return {**described, "method": "models"}


def run_value(
    params: ValueParams,
    *,
    snapshot: Path | None = None,
    currency: str | None = None,
    progress: Callable[[str], None] | None = None,
    force: bool = False,
    fail_after_rows: int | None = None,
    write_batch: int | None = None,
    write_pause: float = 0.0,
) -> ValueRun:
    """Run the engine on the database (or a given snapshot) and switch over atomically.

    ``force`` abandons a ``running`` run even if its heartbeat is fresh.  ``fail_after_rows``
    exists for the switch-over test: it raises after that many rows.  ``write_batch`` /
    ``write_pause`` write the rows that many at a time with a pause after each batch (drills
    and the kill test: a run that can be watched, and killed, mid-write).
    """
    _abandon_dead(force=force)
    started = time.perf_counter()

    def say(message: str) -> None:
        if progress is not None:
            progress(f"[{time.perf_counter() - started:6.1f} s] {message}")

    try:
        with transaction.atomic():
            run = ValueRun.objects.create(
                as_of=params.as_of,
                parameters=params.to_dict(),
                model_versions={"risk": None, "renewal": None, "method": "experience"},
                heartbeat_at=timezone.now(),
            )
    except IntegrityError as error:  # value_one_running_run: another run started meanwhile
        raise RunInProgress(
            "another value run started at the same moment and is running / 另一批次刚刚开始运行"
        ) from error

    def beat() -> None:
        ValueRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now())

    folder = snapshot
    exported = False
    heartbeat = Heartbeat(beat, every=float(SETTINGS["HEARTBEAT_SECONDS"]), name="value-run")
    heartbeat.__enter__()
    try:
        if folder is None:
            # A fresh folder per run: run ids repeat across databases sharing a data dir.
            base = _snapshot_base()
            base.mkdir(parents=True, exist_ok=True)
            folder = Path(tempfile.mkdtemp(prefix=f"snapshot-run-{run.pk}-", dir=base))
            # Recorded before anything is written there, so a killed run's folder is found.
            run.folder = str(folder)
            run.save(update_fields=["folder"])
            say("exporting snapshot / 导出快照")
            export_snapshot(folder)
            exported = True
        ids = dbio.customer_ids()
        inputs, counts = clean_inputs(scan_snapshot(folder), currency)
        inputs.prior = dbio.prior_decisions(params.as_of, ids)
        run.model_versions = _attach_scores(inputs, folder, params, say)
        run.save(update_fields=["model_versions"])
        say("computing value / 计算客户价值")
        frame: pl.DataFrame = results(compute(inputs, params)).collect()
        frame = frame.join(
            portfolio.descriptors(folder, inputs, params).collect(), on="customer_no", how="left"
        ).with_columns(pl.col(list(portfolio.DESCRIPTORS)).fill_null(""))
        run.summary = portfolio.summary(frame)
        rows = dbio.db_rows(frame, run, ids)
        if fail_after_rows is not None:
            dbio.write_results(rows.head(fail_after_rows))
            raise RuntimeError(f"simulated failure after {fail_after_rows} rows")
        say(f"writing {rows.height} rows / 写入结果")
        if write_batch:
            written = 0
            for part in rows.iter_slices(write_batch):
                written += dbio.write_results(part)
                say(f"  {written}/{rows.height}")
                time.sleep(write_pause)
        else:
            dbio.write_results(rows, progress=lambda n: say(f"  {n}/{rows.height}"))
        counts["customers"] = rows.height
        run.counts = {
            **counts,
            "tiers": {str(k): int(v) for k, v in frame["tier"].value_counts().iter_rows()},
        }
        say("switching over and recording decisions / 切换结果并记录决定")
        abandoned = RunAbandoned(
            f"value run {run.pk} was abandoned by another run (--force) / 本批次已被放弃"
        )
        with transaction.atomic():
            # The run's row is locked for the whole switch-over (PostgreSQL; on SQLite the
            # IMMEDIATE transaction holds the write lock): another run's abandon() waits, then
            # finds it no longer running and deletes nothing.
            still = ValueRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING)
            if not list(still.select_for_update().values_list("pk", flat=True)):
                raise abandoned
            ValueRun.objects.filter(is_current=True).update(is_current=False)
            run.counts.update(decisions.record(run, rows, params))
            run.finished_at = timezone.now()
            run.seconds = round(time.perf_counter() - started, 3)
            # Conditional: it must still be running here, or nothing of this switch-over stays.
            if not still.update(
                status=RunStatus.SUCCEEDED,
                is_current=True,
                finished_at=run.finished_at,
                seconds=run.seconds,
                counts=run.counts,
                summary=run.summary,
                model_versions=run.model_versions,
                folder=run.folder,
            ):
                raise abandoned
            run.status = RunStatus.SUCCEEDED
            run.is_current = True
        # Tier changes take effect at once (carecircle.flows: services the new tiers entitle).
        handoff.after_commit(Event.VALUE_RUN_FINISHED, run_id=run.pk)
        _purge_old_runs()
        # The run record's time includes the purge (the switch-over already happened).
        run.seconds = round(time.perf_counter() - started, 3)
        ValueRun.objects.filter(pk=run.pk).update(seconds=run.seconds)
        say(f"done in {run.seconds:.1f} s / 完成")
        return run
    except BaseException as error:
        log.exception("value run %s failed", run.pk)
        CustomerValue.objects.filter(run=run).delete()
        # (an abandoned run stays abandoned)
        ValueRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
            status=RunStatus.FAILED,
            finished_at=timezone.now(),
            seconds=round(time.perf_counter() - started, 3),
            error=f"{type(error).__name__}: {error}",
        )
        raise
    finally:
        heartbeat.__exit__(None, None, None)
        if exported and folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
