"""Time of the renewal quote (``renewals.quote.compute``: NCD from the vehicle's claim history,
交强险, and — from issue #14 — 车船税) for open renewal tasks of the book in ``DATABASE_URL``.

    DATABASE_URL=postgres://root@127.0.0.1:5432/bench14_new \\
        uv run --frozen python benchmarks/renewals_quote.py [--tasks 2000] [--src PATH]

``--src`` imports CareCircle from another checkout's ``src`` (the old commit in
``benchmarks/rules_compare.py``), so the same measurement runs on both sides of a change.
Needs a built pipeline (``benchmarks/renewals_pipeline.py``). The tasks are the first
``--tasks`` open tasks by primary key (the same rows on both sides when both books come from
the same generator seed). Each quote is computed as the task page does it (default pricing);
the first 50 are a warm-up. Prints one JSON object on the last line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument("--src", default=str(Path(__file__).resolve().parents[1] / "src"))
    args = parser.parse_args()
    sys.path.insert(0, args.src)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carecircle.settings")
    import django

    django.setup()
    from django.db import connection

    from carecircle.renewals import quote
    from carecircle.renewals.conf import renewal_settings
    from carecircle.renewals.models import RenewalTask

    conf = renewal_settings()
    tasks = list(
        RenewalTask.objects.open()
        .select_related("policy__vehicle", "companion__vehicle", "customer")
        .order_by("pk")[: args.tasks]
    )
    timings: list[float] = []
    failed = 0
    for index, task in enumerate(tasks):
        started = time.perf_counter()
        try:
            quote.compute(task, None, conf)
        except Exception:  # a quote the rules refuse still costs its time; count it
            failed += 1
        if index >= 50:
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    print(
        json.dumps(
            {
                "benchmark": "renewals_quote",
                "database": connection.vendor,
                "src": args.src,
                "quotes": len(timings),
                "refused": failed,
                "p50_ms": round(statistics.median(timings), 3) if timings else None,
                "p95_ms": round(timings[int(len(timings) * 0.95)], 3) if timings else None,
                "mean_ms": round(statistics.fmean(timings), 3) if timings else None,
                "load_average": [round(x, 2) for x in os.getloadavg()],
            }
        )
    )


if __name__ == "__main__":
    main()
