"""``carecircle renewals build [--as-of YYYY-MM-DD]``: today's renewal pipeline (run daily)."""

from __future__ import annotations

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError

from carecircle.renewals.services.pipeline import run_pipeline


class Command(BaseCommand):
    help = "Build the renewal pipeline: create, hand over, sort (清分) and assign (责任落实)"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        build = sub.add_parser("build", help="build today's pipeline")
        build.add_argument("--as-of", type=dt.date.fromisoformat, help="business date")
        build.add_argument("--json", action="store_true", help="print the counts as JSON")

    def handle(self, *args, **options):
        if options["action"] != "build":
            raise CommandError(f"unknown action {options['action']}")
        run = run_pipeline(options.get("as_of"), progress=lambda m: self.stderr.write(f"… {m}"))
        if options["json"]:
            self.stdout.write(json.dumps({"seconds": run.seconds, **run.counts}))
        else:
            self.stdout.write(f"✓ pipeline {run.as_of} in {run.seconds:.1f} s: {run.counts}")
