"""``carecircle ecosystem aggregate [--months N]``: store the monthly partner figures and the
book's cockpit figures for the last N complete months and the current month (nightly)."""

from __future__ import annotations

import json
import time

from django.core.management.base import BaseCommand

from carecircle.ecosystem import cockpit, periods, scorecards


class Command(BaseCommand):
    help = "生态圈 / ecosystem: aggregate"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["aggregate"])
        parser.add_argument("--months", type=int, default=12)

    def handle(self, *args, **options):
        started = time.perf_counter()
        current = periods.next_month(periods.last_complete_month())
        months = periods.months_back(current, options["months"] + 1)
        partners = book = 0
        for month in months:
            partners += scorecards.compute_month(month)
            book += cockpit.compute_book_month(month)
        self.stdout.write(
            json.dumps(
                {
                    "months": len(months),
                    "partner_rows": partners,
                    "book_rows": book,
                    "seconds": round(time.perf_counter() - started, 2),
                }
            )
        )
