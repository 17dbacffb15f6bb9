"""`carecircle value fit --dataset bemtpl97|eudirectlapse|fremotor1 [--datasets-dir DIR]`."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from carecircle.value.ml.datasets import DATASETS, DEFAULT_DATASETS_DIR
from carecircle.value.ml.errors import ModelInputError
from carecircle.value.services import fit_from_dataset


class Command(BaseCommand):
    help = "Customer value models / 客户价值模型: fit"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        fit = sub.add_parser("fit", help="fit a model on a real dataset and store a version")
        fit.add_argument("--dataset", choices=DATASETS, required=True)
        fit.add_argument("--datasets-dir", type=Path, default=DEFAULT_DATASETS_DIR)

    def handle(self, *args, **options) -> None:
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
