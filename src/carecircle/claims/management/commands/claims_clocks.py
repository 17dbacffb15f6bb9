"""Nightly (or every few minutes): screen reported claims whose screening task was lost,
re-evaluate every open claim's legal clocks and service promise; optionally pay approved
claims whose payment was lost (a crash between approval and payment)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand

from carecircle.claims.services import screen_pending, settle_approved
from carecircle.claims.services.clocks import reevaluate_open_claims


class Command(BaseCommand):
    help = "Re-evaluate claims clocks (and --settle approved claims left unpaid)."

    def add_arguments(self, parser):
        parser.add_argument("--today", type=dt.date.fromisoformat, default=None)
        parser.add_argument("--settle", action="store_true")

    def handle(self, *args, today=None, settle=False, **options):
        self.stdout.write(f"{screen_pending()} reported claims screened (task lost)")
        r = reevaluate_open_claims(today)
        self.stdout.write(
            f"{r.claims} open claims, {r.changed} changed, {r.breached} breached, "
            f"{r.warnings} due soon, {r.seconds:.2f} s"
        )
        if r.unscheduled:
            years = ", ".join(map(str, r.unscheduled))
            self.stdout.write(
                f"warning: no holiday schedule loaded for {years}; clocks reaching it count "
                "weekends only (carecircle calendar load YEAR)"
            )
        if settle:
            self.stdout.write(f"{settle_approved()} approved claims paid")
