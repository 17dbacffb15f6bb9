"""``carecircle alliance nightly [--date D]``: issue what is missing, expire what ended."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from carecircle.alliance.tasks import nightly_alliance_task


class Command(BaseCommand):
    help = "增值服务 / alliance: nightly (issue missing entitlements, expire vouchers)"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["nightly"])
        parser.add_argument("--date", help="the day to run for, YYYY-MM-DD (default today)")

    def handle(self, *args, **options):
        # Run here, not queued: cron wants the exit status and the counts in its log.
        result = nightly_alliance_task.call(options["date"])
        self.stdout.write(json.dumps(result))
