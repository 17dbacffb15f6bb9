"""``carecircle ecosystem aggregate [--months N]``: store the monthly partner figures and the
book's cockpit figures for the last N complete months and the current month (nightly).

``carecircle ecosystem reminders [--date YYYY-MM-DD] [--only rule,…]``: run the reminder rules
through notify (nightly, before the quiet hours end; deferred messages go at 09:00).

``carecircle ecosystem commissions --month YYYY-MM [--json]``: the month's commission lines
(policies that took effect) and clawbacks (policies cancelled) on each payee's draft statement;
running it twice changes nothing (docs/commissions.md)."""

from __future__ import annotations

import datetime as dt
import json
import time

from django.core.management.base import BaseCommand, CommandError

from carecircle.core import dates
from carecircle.ecosystem import cockpit, reminders, scorecards
from carecircle.ecosystem.commissions import services as commissions


class Command(BaseCommand):
    help = "生态圈 / ecosystem: aggregate | reminders"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["aggregate", "reminders", "commissions"])
        parser.add_argument("--months", type=int, default=12)
        parser.add_argument("--date", help="reminders: the day to run for (default today)")
        parser.add_argument("--only", help="reminders: comma-separated rule names")
        parser.add_argument("--month", help="commissions: the month, YYYY-MM (default: last)")
        parser.add_argument("--json", action="store_true", help="commissions: print JSON")

    def handle(self, *args, **options):
        started = time.perf_counter()
        if options["action"] == "commissions":
            self._commissions(options)
            return
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

    def _commissions(self, options) -> None:
        month = dates.last_complete_month()
        if options["month"]:
            month = dates.parse_month(options["month"])  # type: ignore[assignment]
            if month is None:
                raise CommandError("--month must be YYYY-MM")
        report = commissions.calculate_month(month).as_dict()
        if options["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False))
            return
        self.stdout.write(
            f"{report['month']}: {report['lines_added']} lines, {report['clawbacks_added']} "
            f"clawbacks, {len(report['refused'])} refused, {report['no_terms']} without terms"
        )
        for s in report["statements"]:
            self.stdout.write(
                f"  {s['statement_no']} {s['payee']} {s['status']} {s['lines']} lines ¥{s['total']}"
            )
        for r in report["refused"]:
            self.stdout.write(f"  refused {r['policy_no']}: {r['message']}")
