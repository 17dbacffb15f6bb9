"""``carecircle privacy retention [--dry-run] [--json] [--today YYYY-MM-DD]`` — apply the
retention schedule; ``privacy escalate`` — mark late requests; ``privacy nightly`` — both, and
queue exports whose task was lost (docs/privacy.md, docs/operations.md)."""

from __future__ import annotations

import datetime as dt
import json

from django.core.management.base import BaseCommand

from carecircle.privacy.services import nightly, requests, retention


class Command(BaseCommand):
    help = "个人信息 / privacy: retention | escalate | nightly"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["retention", "escalate", "nightly"])
        parser.add_argument("--dry-run", action="store_true", help="count only, change nothing")
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument("--today", type=dt.date.fromisoformat, default=None)

    def handle(self, *args, **options):
        action, today = options["action"], options["today"]
        if action == "retention":
            result = retention.run(today, dry_run=options["dry_run"])
        elif action == "escalate":
            result = {"escalated": requests.escalate_overdue(today)}
        else:
            result = nightly.run(today)
        if options["json"] or action != "retention":
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        head = (
            "试运行(未改动) / dry run (nothing changed)" if result["dry_run"] else "已执行 / done"
        )
        self.stdout.write(f"保存期限 / retention as of {result['as_of']}: {head}")
        for kind, n in result["counts"].items():
            self.stdout.write(f"  {kind:<20} {n:>8}")
