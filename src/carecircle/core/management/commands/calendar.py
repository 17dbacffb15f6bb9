"""``carecircle calendar load YEAR [--file PATH]``: load a year's State Council holiday schedule
(the shipped notice, or an administrator's file in the same format, core/holidays/*.toml);
``carecircle calendar list``: the years loaded and the shipped ones not loaded yet."""

from __future__ import annotations

import getpass

from django.core.management.base import BaseCommand, CommandError

from carecircle.core import holidays
from carecircle.core.errors import DomainError
from carecircle.core.models import HolidayYear
from carecircle.core.workdays import load_year


class Command(BaseCommand):
    help = "Load (or list) the yearly holiday schedules the work calendar is built from."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        load = sub.add_parser("load", help="load one year (idempotent)")
        load.add_argument("year", type=int)
        load.add_argument("--file", default=None, help="a schedule file (default: the shipped)")
        sub.add_parser("list", help="years loaded and shipped")

    def handle(self, *args, what: str, **options):
        if what == "list":
            loaded = {y.year: y for y in HolidayYear.objects.all()}
            for year in sorted(set(loaded) | set(holidays.shipped())):
                y = loaded.get(year)
                state = (
                    f"loaded {y.loaded_at:%Y-%m-%d} · {y.source}" if y else "shipped, not loaded"
                )
                self.stdout.write(f"{year}  {state}")
            return
        try:
            r = load_year(options["year"], options["file"], loaded_by=_who())
        except DomainError as exc:
            raise CommandError(exc.message) from None
        verb = "loaded" if r.changed else "already loaded, unchanged"
        self.stdout.write(f"{r.year}: {verb} ({r.off} days off, {r.working} 调休 working days)")
        if r.changed:  # the stored due dates move at the nightly run, or now with claims_clocks
            self.stdout.write("run `carecircle claims_clocks` to recompute the claims clocks now")


def _who() -> str:
    try:
        return f"command ({getpass.getuser()})"
    except (KeyError, OSError):
        return "command"
