"""``carecircle import PATH… [--mapping FILE] [--table T]`` and ``--format fremotor1 DIR``."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from carecircle.ingest.canonical import ImportError_, import_paths
from carecircle.ingest.mapping import Mapping
from carecircle.ingest.results import ImportResult
from carecircle.ingest.schema import TABLES


class Command(BaseCommand):
    help = "Import customers, vehicles, policies, claims … from CSV, Excel or Parquet / 导入数据"

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path)
        parser.add_argument("--mapping", type=Path, help="JSON or TOML column mapping")
        parser.add_argument(
            "--table", choices=sorted([*TABLES, "org_units"]), help="which canonical table"
        )
        parser.add_argument("--format", choices=["canonical", "fremotor1"], default="canonical")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        progress = not options["no_progress"]
        for path in options["paths"]:
            if not path.exists():
                raise CommandError(f"文件不存在 / no such file or folder: {path}")
        try:
            if options["format"] == "fremotor1":
                from carecircle.ingest.fremotor1 import import_fremotor1

                if len(options["paths"]) != 1:
                    raise CommandError("--format fremotor1 takes one folder")
                result = import_fremotor1(options["paths"][0], progress=progress)
            else:
                mapping = Mapping.load(options["mapping"]) if options["mapping"] else None
                result = import_paths(
                    options["paths"], mapping=mapping, table=options["table"], progress=progress
                )
        except ImportError_ as exc:
            raise CommandError(str(exc)) from exc
        self._report(result, options["json"])

    def _report(self, result: ImportResult, as_json: bool) -> None:
        if as_json:
            self.stdout.write(
                json.dumps(
                    {"tables": [t.as_dict() for t in result.tables], "rejected": result.rejected},
                    ensure_ascii=False,
                )
            )
            return
        for t in result.tables:
            self.stdout.write(
                f"{t.table:<12} rows {t.rows:>9,}  inserted {t.inserted:>9,}  updated {t.updated:>7,}"
                f"  unchanged {t.unchanged:>9,}  rejected {t.rejected:>7,}  ← {t.source}"
            )
            for note in t.notes:
                self.stdout.write(f"    note: {note}")
            if t.report_path:
                self.stdout.write(self.style.WARNING(f"    row errors → {t.report_path}"))
