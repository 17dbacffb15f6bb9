"""Calibration of a generated book against the market figures in ../shared/DOMAIN.md.

    uv run python benchmarks/calibration.py --book DIR      # a folder from `carecircle generate`
    uv run python benchmarks/calibration.py --customers 20000   # generate one first

Figures and tolerances: ``carecircle.datagen.calibration`` (docs/calibration.md). Prints a table
of each figure against its target on stderr and one JSON object last on stdout: each measured
figure and the list of figures outside their tolerance under ``misses``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from carecircle.datagen.calibration import TARGETS, measure, misses
from carecircle.datagen.config import DEFAULT_REFERENCE_DATE


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--book", type=Path)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--reference-date",
        type=dt.date.fromisoformat,
        default=DEFAULT_REFERENCE_DATE,
        help="the 'today' the book was generated with (default %(default)s)",
    )
    args = parser.parse_args()
    if args.book:
        figures = measure(args.book, args.reference_date)
    else:
        with tempfile.TemporaryDirectory() as out:
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "carecircle",
                    "generate",
                    "--customers",
                    str(args.customers),
                    "--seed",
                    str(args.seed),
                    "--reference-date",
                    args.reference_date.isoformat(),
                    "--out",
                    out,
                    "--no-progress",
                ],
                check=True,
                stdout=subprocess.DEVNULL,
            )
            figures = measure(Path(out), args.reference_date)
    for t in TARGETS:
        value = figures[t.figure]
        verdict = "pass" if t.met(value) else "FAIL"
        print(
            f"{t.label:<62} {value:>9} target {t.target:>7} [{t.low}, {t.high}] {verdict}",
            file=sys.stderr,
        )
    print(
        json.dumps(
            {
                "customers": args.customers if not args.book else None,
                **figures,
                "misses": sorted(misses(figures)),
            }
        )
    )


if __name__ == "__main__":
    main()
