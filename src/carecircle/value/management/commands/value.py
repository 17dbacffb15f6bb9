"""`carecircle value fit --dataset …` and `carecircle value run [--as-of DATE] [--snapshot DIR]`;
`carecircle value lists`: expire list entries past their date and bring every customer's list
effect (parties.CustomerListFlag) in line with their entries — the backfill and the nightly
check (#16).

``value run`` is also what the nightly job calls (docs/value.md: cron or django-tasks).  A run
killed mid-way is found by its stopped heartbeat and cleaned up by the next run; ``--force``
abandons a ``running`` run at once, for an operator who knows its process is gone
(docs/jobs.md).
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from carecircle.core.clock import today
from carecircle.value.engine.checks import ValueInputError
from carecircle.value.engine.export import export_snapshot
from carecircle.value.engine.params import params_from_settings
from carecircle.value.engine.runner import RunAbandoned, RunInProgress, run_value
from carecircle.value.engine.snapshot import SnapshotError
from carecircle.value.ml.datasets import DATASETS, DEFAULT_DATASETS_DIR
from carecircle.value.ml.errors import ModelInputError, ModelSchemaError
from carecircle.value.services import list_effects
from carecircle.value.services.decisions import expire_due
from carecircle.value.services.model_versions import fit_from_dataset, fit_from_snapshot


class Command(BaseCommand):
    help = "Customer value models / 客户价值模型: fit"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        fit = sub.add_parser("fit", help="fit a model on a real dataset and store a version")
        source = fit.add_mutually_exclusive_group(required=True)
        source.add_argument("--dataset", choices=DATASETS)
        source.add_argument("--book", action="store_true", help="fit on the operational book")
        fit.add_argument("--snapshot", type=Path, default=None, help="with --book: Parquet folder")
        fit.add_argument("--as-of", type=dt.date.fromisoformat, default=None)
        fit.add_argument("--datasets-dir", type=Path, default=DEFAULT_DATASETS_DIR)
        run = sub.add_parser("run", help="value every customer and switch over atomically")
        run.add_argument("--as-of", type=dt.date.fromisoformat, default=None)
        run.add_argument("--snapshot", type=Path, default=None, help="canonical Parquet folder")
        run.add_argument("--currency", default=None)
        run.add_argument("--horizon-years", type=int, default=None)
        run.add_argument("--discount-rate", type=float, default=None)
        run.add_argument(
            "--force",
            action="store_true",
            help="abandon a run still marked running even if its heartbeat is fresh "
            "(only when you know its process is gone) / 强制放弃仍在运行的批次",
        )
        run.add_argument(
            "--write-batch",
            type=int,
            default=None,
            help="drills: write the results this many rows at a time (with --write-pause)",
        )
        run.add_argument(
            "--write-pause",
            type=float,
            default=0.0,
            help="drills: seconds to pause after each --write-batch",
        )
        sub.add_parser("lists", help="expire list entries past their date; sync list effects")

    def handle(self, *args, **options) -> None:
        if options["action"] == "lists":
            expired = expire_due()
            synced = list_effects.sync_all()
            self.stdout.write(f"list entries expired: {expired}; customers synced: {synced}")
            return
        if options["action"] == "run":
            self._run(options)
            return
        if options["action"] == "fit" and options["book"]:
            self._fit_book(options)
            return
        if options["action"] == "fit":
            folder: Path = options["datasets_dir"]
            if not folder.is_dir():
                raise CommandError(f"--datasets-dir {folder} does not exist")
            try:
                stored = fit_from_dataset(options["dataset"], folder)
            except (ModelInputError, FileNotFoundError) as error:
                raise CommandError(str(error)) from error
            self.stdout.write(
                f"stored {stored.kind} model v{stored.version} ({stored.name}): "
                f"{stored.training_rows} rows, {stored.training_data_hash[:19]}…, "
                f"metrics {stored.metrics}"
            )

    def _run(self, options) -> None:
        try:
            params = params_from_settings(
                options["as_of"] or today(),
                horizon_years=options["horizon_years"],
                discount_rate=options["discount_rate"],
            )
            run = run_value(
                params,
                snapshot=options["snapshot"],
                currency=options["currency"],
                progress=lambda message: self.stderr.write(message),
                force=options["force"],
                write_batch=options["write_batch"],
                write_pause=options["write_pause"],
            )
        except (
            ValueInputError,
            SnapshotError,
            RunInProgress,
            RunAbandoned,
            ModelSchemaError,
            ImproperlyConfigured,
            ValueError,
        ) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"value run {run.pk} as of {run.as_of}: {run.counts.get('customers', 0)} customers "
            f"in {run.seconds:.1f} s; tiers {run.counts.get('tiers')}; "
            f"{run.counts.get('reviews_opened', 0)} reviews, "
            f"{run.counts.get('list_proposals', 0)} list proposals"
        )

    def _fit_book(self, options) -> None:
        params = params_from_settings(options["as_of"] or today())
        folder = options["snapshot"]
        temporary = None
        if folder is None:
            temporary = Path(tempfile.mkdtemp(prefix="carecircle-fit-"))
            export_snapshot(temporary)
            folder = temporary
        try:
            models = fit_from_snapshot(folder, params)
        except (ModelInputError, SnapshotError) as error:
            raise CommandError(str(error)) from error
        finally:
            if temporary is not None:
                shutil.rmtree(temporary, ignore_errors=True)
        for stored in models:
            self.stdout.write(
                f"stored {stored.kind} model v{stored.version} (book): "
                f"{stored.training_rows} rows, metrics {stored.metrics}"
            )
