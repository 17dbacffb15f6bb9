"""``carecircle value run``: snapshot → pipeline → rows under a new run → atomic switch-over.

The new run's rows are written while the previous run stays current.  Only when every row is
in does one transaction move ``is_current``, record tier changes, open reviews and propose list
entries.  A failure at any step marks the run failed and deletes its rows; a killed process
leaves a ``running`` run that the next run marks abandoned and cleans up.
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
from django.db import transaction
from django.utils import timezone

from carecircle.core import handoff
from carecircle.core.handoff import Event

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


def _abandon_stale(max_age: dt.timedelta) -> None:
    stale = ValueRun.objects.filter(status=RunStatus.RUNNING)
    for run in stale:
        if timezone.now() - run.started_at < max_age:
            raise RunInProgress(
                f"value run {run.pk} started at {run.started_at:%Y-%m-%d %H:%M} is still running"
                " / 另一批次正在运行"
            )
        CustomerValue.objects.filter(run=run).delete()
        run.status = RunStatus.FAILED
        run.error = "abandoned: the process stopped before finishing / 进程中断"
        run.save(update_fields=["status", "error"])


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
    stale_after: dt.timedelta = dt.timedelta(hours=6),
    fail_after_rows: int | None = None,
) -> ValueRun:
    """Run the engine on the database (or a given snapshot) and switch over atomically.

    ``fail_after_rows`` exists for the switch-over test: it raises after that many rows.
    """
    _abandon_stale(stale_after)
    started = time.perf_counter()

    def say(message: str) -> None:
        if progress is not None:
            progress(f"[{time.perf_counter() - started:6.1f} s] {message}")

    run = ValueRun.objects.create(
        as_of=params.as_of,
        parameters=params.to_dict(),
        model_versions={"risk": None, "renewal": None, "method": "experience"},
    )
    folder = snapshot
    exported = False
    try:
        if folder is None:
            # A fresh folder per run: run ids repeat across databases sharing a data dir.
            base = Path(settings.DATA_DIR) / "value"
            base.mkdir(parents=True, exist_ok=True)
            folder = Path(tempfile.mkdtemp(prefix=f"snapshot-run-{run.pk}-", dir=base))
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
        dbio.write_results(rows, progress=lambda n: say(f"  {n}/{rows.height}"))
        counts["customers"] = rows.height
        run.counts = {
            **counts,
            "tiers": {str(k): int(v) for k, v in frame["tier"].value_counts().iter_rows()},
        }
        say("switching over and recording decisions / 切换结果并记录决定")
        with transaction.atomic():
            ValueRun.objects.filter(is_current=True).update(is_current=False)
            run.counts.update(decisions.record(run, rows, params))
            run.status = RunStatus.SUCCEEDED
            run.is_current = True
            run.finished_at = timezone.now()
            run.seconds = round(time.perf_counter() - started, 3)
            run.save()
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
        ValueRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED,
            finished_at=timezone.now(),
            seconds=round(time.perf_counter() - started, 3),
            error=f"{type(error).__name__}: {error}",
        )
        raise
    finally:
        if exported and folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
