"""``carecircle generate --customers N --seed S --out DIR`` (or ``--into-db``)."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from carecircle.datagen.config import DEFAULT_REFERENCE_DATE, GenerateOptions
from carecircle.datagen.writer import generate
from carecircle.ingest.canonical import load_canonical_dir


class Command(BaseCommand):
    help = "Generate a synthetic Chinese motor book / 生成合成保单数据"

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, required=True)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--out", type=Path, help="folder for the Parquet tables")
        parser.add_argument("--into-db", action="store_true", help="load the database instead")
        parser.add_argument("--workers", type=int, default=2, help="processes (default 2)")
        parser.add_argument(
            "--reference-date",
            type=dt.date.fromisoformat,
            default=DEFAULT_REFERENCE_DATE,
            help="the book's 'today' (default %(default)s) so a seed always gives the same book",
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        if options["customers"] < 1:
            raise CommandError("--customers must be at least 1")
        if bool(options["out"]) == bool(options["into_db"]):
            raise CommandError("give exactly one of --out DIR or --into-db")
        gen = GenerateOptions(
            customers=options["customers"],
            seed=options["seed"],
            reference_date=options["reference_date"],
            workers=max(1, options["workers"]),
        )
        progress = not options["no_progress"]
        if options["into_db"]:
            with tempfile.TemporaryDirectory(prefix="carecircle-book-") as tmp:
                counts = self._generate(gen, Path(tmp), progress)
                result = load_canonical_dir(Path(tmp), progress=progress)
            if result.rejected:
                raise CommandError(
                    f"{result.rejected} generated rows were rejected: {result.counts()}"
                )
            self.stdout.write(json.dumps({"generated": counts, "loaded": result.counts()}))
        else:
            counts = self._generate(gen, options["out"], progress)
            self.stdout.write(json.dumps(counts))

    def _generate(self, gen: GenerateOptions, out: Path, progress: bool) -> dict[str, int]:
        started = time.perf_counter()
        with tqdm(total=gen.customers, desc="customers", unit="cust", disable=not progress) as bar:

            def tick(n: int) -> None:
                bar.update(n)

            counts = generate(gen, out, progress=tick)
        if progress:
            self.stderr.write(f"generated in {time.perf_counter() - started:.1f} s → {out}")
        return counts
