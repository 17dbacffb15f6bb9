"""``carecircle ecosystem aggregate [--months N]``: store the monthly partner figures and the
book's cockpit figures for the last N complete months and the current month (nightly).

``carecircle ecosystem reminders [--date YYYY-MM-DD] [--only rule,…]``: run the reminder rules
through notify (nightly, before the quiet hours end; deferred messages go at 09:00)."""

from __future__ import annotations

import datetime as dt
import json
import time

from django.core.management.base import BaseCommand, CommandError

from carecircle.core import dates
from carecircle.ecosystem import cockpit, reminders, scorecards


class Command(BaseCommand):
    help = "生态圈 / ecosystem: aggregate | reminders"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["aggregate", "reminders"])
        parser.add_argument("--months", type=int, default=12)
        parser.add_argument("--date", help="reminders: the day to run for (default today)")
        parser.add_argument("--only", help="reminders: comma-separated rule names")

    def handle(self, *args, **options):
        started = time.perf_counter()
        if options["action"] == "reminders":
            day = None
            if options["date"]:
                try:
                    day = dt.date.fromisoformat(options["date"])
                except ValueError as exc:
                    raise CommandError("--date must be YYYY-MM-DD") from exc
            only = [r for r in (options["only"] or "").split(",") if r] or None
            unknown = set(only or []) - {*reminders.RULES, "survey"}
            if unknown:
                raise CommandError(
                    f"unknown rules {sorted(unknown)}; known: {list(reminders.RULES)}"
                )
            run = reminders.run(day, only)
            self.stdout.write(json.dumps({"as_of": str(run.as_of), "counts": run.counts}))
            return
        current = dates.next_month(dates.last_complete_month())
        months = dates.months_back(current, options["months"] + 1)
        partners = book = 0
        partners = scorecards.compute_months(months)
        for month in months:
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
