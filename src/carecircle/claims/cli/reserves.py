"""``carecircle claims reserves --as-of DATE [--from DATE] [--json]``: the reserve report for
the whole book (issue #16; ``claims.selectors.reserves``). The period defaults to the calendar
year to the as-of date. With ``--json`` one object: the book's ``opening``, ``movements`` (by
kind), ``closing`` and ``paid`` as decimal strings at the top level, then ``payments``
(confirmed, returned, reissued, paid), ``recoveries``, ``net_incurred``, ``case`` and
``expense`` apart, and ``by_unit``, ``by_coverage``, ``by_handler`` with the same figures."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import CommandError

from carecircle.claims.choices import ReserveKind
from carecircle.claims.selectors.reserves import as_json, reserve_report

NAME = "reserves"
HELP = "未决准备金报表 / the reserve report: opening, movements, closing, paid, as of a date"


def add_arguments(parser) -> None:
    parser.add_argument("--as-of", dest="as_of", type=dt.date.fromisoformat, required=True)
    parser.add_argument("--from", dest="since", type=dt.date.fromisoformat, default=None)
    parser.add_argument("--json", action="store_true")


def run(command, options) -> None:
    try:
        report = reserve_report(None, options["as_of"], options["since"])
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    out = command.stdout
    if options["json"]:
        out.write(json.dumps(as_json(report), ensure_ascii=False))
        return
    out.write(f"未决赔款准备金 / reserves {report['from']} … {report['as_of']}")
    _figures(out, "全部 / book", report)
    for dim, title in (
        ("by_unit", "按机构 / by unit"),
        ("by_coverage", "按险别 / by coverage"),
        ("by_handler", "按理赔员 / by handler"),
    ):
        out.write(f"\n{title}")
        for row in report[dim]:
            # Units share names across cities (和平支公司 in 天津 and 沈阳): the code tells them apart.
            label = f"{row['key']} {row['name']}" if dim == "by_unit" else row["name"]
            _figures(out, label, row)


def _figures(out, name: str, r: dict[str, Any]) -> None:
    moved = "  ".join(f"{k} {r['movements'][k]}" for k in ReserveKind.values if r["movements"][k])
    out.write(
        f"  {name}: opening {r['opening']}  {moved or 'no movements'}  closing {r['closing']}"
        f"  paid {r['paid']} (confirmed {r['payments']['confirmed']}, returned "
        f"{r['payments']['returned']}, reissued {r['payments']['reissued']})"
        f"  recoveries {r['recoveries']}  net incurred {r['net_incurred']}"
    )
