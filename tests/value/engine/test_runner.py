"""`carecircle value run` against the database: switch-over, decisions recorded, bad input."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from carecircle.core.models import AuditLog
from carecircle.parties.models import Customer
from carecircle.policies.models import Policy
from carecircle.value.engine.checks import ValueInputError
from carecircle.value.engine.params import ValueParams
from carecircle.value.engine.runner import RunInProgress, run_value
from carecircle.value.ml.errors import ModelSchemaError
from carecircle.value.models import (
    CustomerValue,
    ListEntry,
    ListStatus,
    ModelVersion,
    RunStatus,
    TierHistory,
    TierReview,
    ValueRun,
)

pytestmark = pytest.mark.django_db(transaction=True)
AS_OF = dt.date(2026, 11, 22)


@pytest.fixture
def book(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    call_command(
        "generate", "--customers", "300", "--seed", "5", "--into-db", "--no-progress",
        stdout=StringIO(),
    )  # fmt: skip
    return Customer.objects.count()


def test_first_run_values_every_customer_and_becomes_current(book):
    run = run_value(ValueParams(as_of=AS_OF))
    assert run.status == RunStatus.SUCCEEDED and run.is_current
    assert CustomerValue.objects.current().count() == book == run.counts["customers"]
    assert sum(run.counts["tiers"].values()) == book
    # first assignment of every customer is tier history; nothing was held back for review
    assert TierHistory.objects.filter(run=run).count() == book
    assert TierReview.objects.count() == 0
    assert AuditLog.objects.filter(object_type="value.valuerun", object_id=str(run.pk)).exists()


def test_a_finished_run_queues_the_services_its_new_tiers_entitle(book):
    """Tier changes reach services at once: the switch-over queues the alliance's issuing."""
    from django_tasks_db.models import DBTaskResult

    queued = DBTaskResult.objects.filter(task_path__endswith=".issue_after_value_run_task")
    before = queued.count()
    run_value(ValueParams(as_of=AS_OF))
    assert queued.count() == before + 1
    with pytest.raises(RuntimeError, match="simulated failure"):
        run_value(ValueParams(as_of=AS_OF, horizon_years=1), fail_after_rows=50)
    assert queued.count() == before + 1  # a failed run changes no tier: nothing queued


def test_list_proposals_are_only_proposed_with_history(book):
    run = run_value(ValueParams(as_of=AS_OF, grey_min_claims=2, grey_min_loss_ratio=0.5))
    proposed = ListEntry.objects.filter(proposed_by_run=run)
    assert proposed.count() == run.counts["list_proposals"] > 0
    assert set(proposed.values_list("status", flat=True)) == {ListStatus.PROPOSED}
    assert not ListEntry.objects.in_force(AS_OF).exists()  # nothing applies until a person decides
    entry = proposed.first()
    assert [e.action for e in entry.events.all()] == ["propose"]
    # a second run does not propose the same customer again while the entry is open
    again = run_value(ValueParams(as_of=AS_OF, grey_min_claims=2, grey_min_loss_ratio=0.5))
    assert again.counts["list_proposals"] == 0


def test_failed_run_leaves_previous_results_current(book):
    first = run_value(ValueParams(as_of=AS_OF))
    before = list(CustomerValue.objects.current().order_by("customer_id").values_list("tier"))
    with pytest.raises(RuntimeError, match="simulated failure"):
        run_value(ValueParams(as_of=AS_OF, horizon_years=1), fail_after_rows=50)
    failed = ValueRun.objects.exclude(pk=first.pk).get()
    assert failed.status == RunStatus.FAILED and "simulated failure" in failed.error
    assert not failed.is_current
    assert CustomerValue.objects.filter(run=failed).count() == 0  # its partial rows are gone
    first.refresh_from_db()
    assert first.is_current
    after = list(CustomerValue.objects.current().order_by("customer_id").values_list("tier"))
    assert after == before


def test_killed_run_is_abandoned_by_the_next_run(book):
    stale = ValueRun.objects.create(as_of=AS_OF)
    ValueRun.objects.filter(pk=stale.pk).update(started_at=timezone.now() - dt.timedelta(hours=7))
    run = run_value(ValueParams(as_of=AS_OF))
    stale.refresh_from_db()
    assert stale.status == RunStatus.ABANDONED and stale.error.startswith("abandoned")
    assert run.is_current


def test_a_run_whose_heartbeat_stopped_for_the_limit_is_abandoned_with_its_rows_and_folder(
    book, tmp_path, settings
):
    """#21 finding 2: the dead run is found in minutes by its heartbeat, not after 6 hours."""
    settings.CARECIRCLE = {"VALUE_RUNS": {"DEAD_AFTER_SECONDS": 120}}
    first = run_value(ValueParams(as_of=AS_OF))
    folder = tmp_path / "value" / "snapshot-run-999-abc"
    folder.mkdir(parents=True)
    (folder / "customers.parquet").write_bytes(b"partial")
    dead = ValueRun.objects.create(as_of=AS_OF, folder=str(folder))
    ValueRun.objects.filter(pk=dead.pk).update(
        heartbeat_at=timezone.now() - dt.timedelta(seconds=121)
    )
    partial = list(CustomerValue.objects.filter(run=first)[:40].values())
    for row in partial:
        row.update(id=None, run_id=dead.pk)
    CustomerValue.objects.bulk_create(CustomerValue(**row) for row in partial)

    run = run_value(ValueParams(as_of=AS_OF))

    dead.refresh_from_db()
    assert dead.status == RunStatus.ABANDONED and not dead.is_current
    assert dead.error.startswith("abandoned: no heartbeat for 12")
    assert dead.finished_at is not None
    assert CustomerValue.objects.filter(run=dead).count() == 0
    assert not folder.exists()
    assert run.is_current and CustomerValue.objects.current().count() == book


def test_a_run_with_a_fresh_heartbeat_blocks_the_next_one_unless_forced(book, tmp_path):
    """A live run (heartbeat within the limit, however old its start) is never abandoned;
    ``--force`` abandons it; a folder outside DATA_DIR/value is never removed."""
    outside = tmp_path / "operator-snapshot"
    outside.mkdir()
    alive = ValueRun.objects.create(as_of=AS_OF, folder=str(outside))
    ValueRun.objects.filter(pk=alive.pk).update(
        started_at=timezone.now() - dt.timedelta(hours=7),
        heartbeat_at=timezone.now() - dt.timedelta(seconds=30),
    )
    with pytest.raises(RunInProgress, match=r"still running \(last heartbeat 30 s ago"):
        run_value(ValueParams(as_of=AS_OF))
    assert ValueRun.objects.get(pk=alive.pk).status == RunStatus.RUNNING

    run = run_value(ValueParams(as_of=AS_OF), force=True)

    alive.refresh_from_db()
    assert alive.status == RunStatus.ABANDONED
    assert alive.error == "abandoned: --force by an operator / 操作员强制放弃"
    assert outside.exists()
    assert run.is_current


def test_a_run_abandoned_by_force_while_going_never_becomes_current(book, monkeypatch):
    """The forced-out run, if its process was in fact alive, fails at its switch-over."""
    from carecircle.value.engine import runner

    first = run_value(ValueParams(as_of=AS_OF))
    original = runner.dbio.write_results

    def abandon_me(rows, progress=None):
        written = original(rows, progress)
        ValueRun.objects.filter(status=RunStatus.RUNNING).update(status=RunStatus.ABANDONED)
        return written

    monkeypatch.setattr(runner.dbio, "write_results", abandon_me)
    with pytest.raises(runner.RunAbandoned):
        run_value(ValueParams(as_of=AS_OF, horizon_years=1))
    second = ValueRun.objects.exclude(pk=first.pk).get()
    assert second.status == RunStatus.ABANDONED and not second.is_current
    assert CustomerValue.objects.filter(run=second).count() == 0
    first.refresh_from_db()
    assert first.is_current


def test_a_forced_abandon_during_the_switch_over_leaves_the_previous_run_current_with_its_rows(
    book, monkeypatch
):
    """#21 review (reviewer's probe): another ``value run --force`` abandons this run between
    its "still running?" check and its commit.  Before: the abandon deleted the rows, the
    switch-over saved the run SUCCEEDED and current regardless — a current run with no rows.
    Now the switch-over locks its run row and finishes with a conditional UPDATE that must
    change it, or the whole switch-over rolls back."""
    from carecircle.value.engine import runner

    first = run_value(ValueParams(as_of=AS_OF))
    original = runner.decisions.record

    def record_then_another_run_abandons(run, rows, params):
        runner.abandon(ValueRun.objects.get(pk=run.pk), "abandoned: --force by an operator")
        return original(run, rows, params)

    monkeypatch.setattr(runner.decisions, "record", record_then_another_run_abandons)
    with pytest.raises(runner.RunAbandoned):
        run_value(ValueParams(as_of=AS_OF, horizon_years=1))

    second = ValueRun.objects.exclude(pk=first.pk).get()
    assert not second.is_current and second.status == RunStatus.FAILED
    assert second.error.startswith("RunAbandoned: value run")
    assert CustomerValue.objects.filter(run=second).count() == 0
    first.refresh_from_db()
    assert first.is_current and first.status == RunStatus.SUCCEEDED
    assert ValueRun.objects.filter(is_current=True).get() == first
    assert CustomerValue.objects.current().count() == book
    assert CustomerValue.objects.filter(run=first).count() == book


def test_abandoning_a_run_that_switched_over_meanwhile_deletes_nothing(book):
    """The abandon's conditional UPDATE comes first; rows go only if it changed the run.
    Before, the rows were deleted first: a run read as RUNNING that then switched over lost
    every row while staying current."""
    from carecircle.value.engine import runner

    run = run_value(ValueParams(as_of=AS_OF))
    read_while_running = ValueRun.objects.get(pk=run.pk)
    read_while_running.status = RunStatus.RUNNING  # what the other run read a moment ago

    assert runner.abandon(read_while_running, "abandoned: --force by an operator") is False

    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED and run.is_current and run.error == ""
    assert CustomerValue.objects.current().count() == book


def test_a_run_that_beat_after_it_was_read_as_dead_is_not_abandoned(book, tmp_path):
    """The dead test is repeated in the UPDATE (heartbeat still older than the limit): a run
    that beat in between keeps its status, its rows and its folder."""
    from carecircle.value.engine import runner

    first = run_value(ValueParams(as_of=AS_OF))
    folder = tmp_path / "value" / "snapshot-run-998-abc"
    folder.mkdir(parents=True)
    alive = ValueRun.objects.create(as_of=AS_OF, folder=str(folder))
    ValueRun.objects.filter(pk=alive.pk).update(
        heartbeat_at=timezone.now() - dt.timedelta(seconds=300)
    )
    read_as_dead = ValueRun.objects.get(pk=alive.pk)
    partial = list(CustomerValue.objects.filter(run=first)[:40].values())
    for row in partial:
        row.update(id=None, run_id=alive.pk)
    CustomerValue.objects.bulk_create(CustomerValue(**row) for row in partial)
    ValueRun.objects.filter(pk=alive.pk).update(heartbeat_at=timezone.now())  # it beats

    limit = timezone.now() - dt.timedelta(seconds=120)
    assert runner.abandon(read_as_dead, "abandoned: no heartbeat", silent_before=limit) is False

    alive.refresh_from_db()
    assert alive.status == RunStatus.RUNNING and alive.error == ""
    assert CustomerValue.objects.filter(run=alive).count() == 40
    assert folder.exists()


def test_two_runs_starting_together_cannot_both_run(book, monkeypatch):
    """#21 review: both passed the "is one running?" check and both ran (the later one became
    current).  Only one ``running`` run may exist (constraint value_one_running_run): the
    second start gets RunInProgress and creates nothing."""
    from carecircle.value.engine import runner

    original = runner._abandon_dead
    other = {}

    def check_then_the_other_run_starts(*, force=False):
        abandoned = original(force=force)
        other["run"] = ValueRun.objects.create(as_of=AS_OF, heartbeat_at=timezone.now())
        return abandoned

    monkeypatch.setattr(runner, "_abandon_dead", check_then_the_other_run_starts)
    with pytest.raises(RunInProgress, match="another value run started at the same moment"):
        run_value(ValueParams(as_of=AS_OF))

    assert list(ValueRun.objects.values_list("pk", "status")) == [
        (other["run"].pk, RunStatus.RUNNING)
    ]
    assert not CustomerValue.objects.exists()


def test_the_migration_keeps_only_the_newest_running_run(book):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("carecircle.value.migrations.0007_one_running_run")
    with connection.schema_editor() as editor:
        editor.remove_constraint(ValueRun, ValueRun._meta.constraints[1])
    try:
        older = ValueRun.objects.create(as_of=AS_OF)
        newer = ValueRun.objects.create(as_of=AS_OF)
        ValueRun.objects.filter(pk=older.pk).update(
            started_at=timezone.now() - dt.timedelta(days=1)
        )
        migration.abandon_all_but_the_newest_running(apps, None)
    finally:
        ValueRun.objects.filter(pk=newer.pk).update(status=RunStatus.FAILED)
        with connection.schema_editor() as editor:
            editor.add_constraint(ValueRun, ValueRun._meta.constraints[1])
    older.refresh_from_db()
    assert older.status == RunStatus.ABANDONED and older.error == migration.REASON


def test_a_run_in_progress_blocks_a_second_one(book):
    ValueRun.objects.create(as_of=AS_OF)
    with pytest.raises(RunInProgress):
        run_value(ValueParams(as_of=AS_OF))


def test_only_the_current_and_previous_runs_keep_rows(book):
    runs = [run_value(ValueParams(as_of=AS_OF)) for _ in range(3)]
    kept = set(CustomerValue.objects.values_list("run_id", flat=True).distinct())
    assert kept == {runs[1].pk, runs[2].pk}
    # unchanged tiers write no new history
    assert TierHistory.objects.filter(run=runs[2]).count() == 0


def test_mixed_currencies_are_refused_and_nothing_changes(book):
    first = run_value(ValueParams(as_of=AS_OF))
    Policy.objects.filter(pk=Policy.objects.order_by("pk").first().pk).update(currency="EUR")
    with pytest.raises(ValueInputError, match="currencies mixed"):
        run_value(ValueParams(as_of=AS_OF))
    first.refresh_from_db()
    assert first.is_current
    # one currency at a time works
    cny = run_value(ValueParams(as_of=AS_OF), currency="CNY")
    assert (
        cny.is_current and cny.counts["policies"] == Policy.objects.filter(currency="CNY").count()
    )


def test_command_reports_and_refuses_clearly(book):
    out = StringIO()
    call_command("value", "run", "--as-of", "2026-11-22", stdout=out, stderr=StringIO())
    assert f"{book} customers" in out.getvalue()
    ValueRun.objects.create(as_of=AS_OF)
    with pytest.raises(CommandError, match="still running"):
        call_command("value", "run", stdout=StringIO(), stderr=StringIO())
    out = StringIO()
    call_command("value", "run", "--force", "--as-of", "2026-11-22", stdout=out, stderr=StringIO())
    assert f"{book} customers" in out.getvalue()
    assert ValueRun.objects.filter(status=RunStatus.ABANDONED).count() == 1


def test_run_scores_with_the_book_models_once_fitted(book):
    call_command("value", "fit", "--book", "--as-of", "2026-11-22", stdout=StringIO())
    risk, renewal = (
        ModelVersion.objects.get(kind=kind, is_active=True, name="book")
        for kind in ("risk", "renewal")
    )
    assert risk.parameters["source"] == renewal.parameters["source"] == "book"
    run = run_value(ValueParams(as_of=AS_OF))
    assert run.model_versions["method"] == "models"
    assert run.model_versions["risk"]["id"] == risk.pk
    assert run.model_versions["renewal"]["version"] == renewal.version
    values = CustomerValue.objects.current().filter(annual_premium__gt=0)
    # model probabilities differ between customers (the fallback gives one rate per cell)
    assert values.values("renewal_probability").distinct().count() > 20
    assert all(0 < v.renewal_probability < 1 for v in values[:50])


def test_model_of_an_older_schema_fails_the_run_clearly(book):
    first = run_value(ValueParams(as_of=AS_OF))
    call_command("value", "fit", "--book", "--as-of", "2026-11-22", stdout=StringIO())
    stored = ModelVersion.objects.get(kind="risk", is_active=True, name="book")
    stored.coefficients = {**stored.coefficients, "schema_version": 0}
    stored.save()
    with pytest.raises(ModelSchemaError):
        run_value(ValueParams(as_of=AS_OF))
    first.refresh_from_db()
    assert first.is_current
    with pytest.raises(CommandError, match="schema"):
        call_command("value", "run", "--as-of", "2026-11-22", stdout=StringIO(), stderr=StringIO())


def test_nightly_task_runs_the_engine(book, settings):
    from carecircle.value.tasks import value_run_task

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    result = value_run_task.enqueue(as_of="2026-11-22")
    assert result.return_value["customers"] == book
    assert ValueRun.objects.get(pk=result.return_value["run"]).is_current
