"""``carecircle claims reserves --as-of DATE [--from DATE] [--json]``: the reserve report for
the whole book (issue #16; ``claims.selectors.reserves``). The period defaults to the calendar
year to the as-of date. With ``--json`` one object: the book's ``opening``, ``movements`` (by
kind), ``closing`` and ``paid`` as decimal strings at the top level, then ``payments``
(confirmed, returned, reissued, paid), ``recoveries``, ``net_incurred``, ``case`` and
``expense`` apart, and ``by_unit``, ``by_coverage``, ``by_handler`` with the same figures."""

from __future__ import annotations

import datetime as dt
import importlib
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from carecircle.claims.choices import ReserveKind
from carecircle.claims.selectors.reserves import as_json, reserve_report
from carecircle.claims.services.backfill import backfill_ledger

# More subcommands, one module each in carecircle.claims.cli (NAME, HELP, add_arguments(parser),
# run(command, options)): the bank's files (#16, ADR 0016).
SUBCOMMANDS = ["carecircle.claims.cli.bank_batch", "carecircle.claims.cli.bank_return"]


def _modules():
    return [importlib.import_module(name) for name in SUBCOMMANDS]


class Command(BaseCommand):
    help = "理赔 / claims: reserves (the reserve report: opening, movements, closing, paid)"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        reserves = sub.add_parser("reserves", help="the reserve report as of a date")
        reserves.add_argument("--as-of", dest="as_of", type=dt.date.fromisoformat, required=True)
        reserves.add_argument("--from", dest="since", type=dt.date.fromisoformat, default=None)
        reserves.add_argument("--json", action="store_true")
        sub.add_parser(
            "backfill-ledger",
            help="opening movements and payments for claims loaded without them (idempotent)",
        )
        for module in _modules():
            module.add_arguments(sub.add_parser(module.NAME, help=module.HELP))

    def handle(self, *args, **options):
        plugged = {m.NAME: m for m in _modules()}
        if options["action"] in plugged:
            plugged[options["action"]].run(self, options)
        elif options["action"] == "reserves":
            self.reserves(options["as_of"], options["since"], options["json"])
        elif options["action"] == "backfill-ledger":
            done = backfill_ledger()
            self.stdout.write(
                f"{done.payments} payments, {done.movements} opening movements, "
                f"{done.cleared} closed claims' reserves cleared"
            )

    def reserves(self, as_of: dt.date, since: dt.date | None, as_json_: bool) -> None:
        try:
            report = reserve_report(None, as_of, since)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if as_json_:
            self.stdout.write(json.dumps(as_json(report), ensure_ascii=False))
            return
        self.stdout.write(f"未决赔款准备金 / reserves {report['from']} … {report['as_of']}")
        self._figures("全部 / book", report)
        for dim, title in (
            ("by_unit", "按机构 / by unit"),
            ("by_coverage", "按险别 / by coverage"),
            ("by_handler", "按理赔员 / by handler"),
        ):
            self.stdout.write(f"\n{title}")
            for row in report[dim]:
                self._figures(row["name"], row)

    def _figures(self, name: str, r: dict[str, Any]) -> None:
        moved = "  ".join(
            f"{k} {r['movements'][k]}" for k in ReserveKind.values if r["movements"][k]
        )
        self.stdout.write(
            f"  {name}: opening {r['opening']}  {moved or 'no movements'}  closing {r['closing']}"
            f"  paid {r['paid']} (confirmed {r['payments']['confirmed']}, returned "
            f"{r['payments']['returned']}, reissued {r['payments']['reissued']})"
            f"  recoveries {r['recoveries']}  net incurred {r['net_incurred']}"
        )
