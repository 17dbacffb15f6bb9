""""Name contains" on PostgreSQL: the character-pair index against a plain LIKE scan, same
queries, same run (ratios survive a busy machine better than absolute times).

    DATABASE_URL=postgres://root@127.0.0.1:5432/bench360 \\
        uv run --frozen python benchmarks/name_contains.py --samples 200

Queries are what a seat types: a sampled customer's given name (1–2 characters) and any two
adjacent characters of a sampled name. Each is run as the search runs it (first page: 26 rows
by primary key) through the ORM's SQL — with the index (``parties.selectors.name_contains``)
and as the pre-index ``name LIKE '%…%'`` — alternating which goes first. Prints p50/p95/p99
in ms and the ratio as ONE JSON object on the LAST line.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carecircle.settings")

import django

django.setup()

from django.db import connection  # noqa: E402

from carecircle.parties.models import Customer  # noqa: E402
from carecircle.parties.selectors import name_contains  # noqa: E402


def timed(qs) -> float:
    started = time.perf_counter()
    list(qs.order_by("pk").values_list("pk", flat=True)[:26])
    return (time.perf_counter() - started) * 1000


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("PostgreSQL only: the index is PostgreSQL's")
    rng = random.Random(args.seed)
    top = Customer.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    queries: list[str] = []
    while len(queries) < args.samples:
        name = (
            Customer.objects.filter(pk=rng.randint(1, top)).values_list("name", flat=True).first()
        )
        if not name or len(name) < 2:
            continue
        if len(queries) % 2 == 0:
            queries.append(name[1:])  # the given name
        else:
            start = rng.randrange(len(name) - 1)
            queries.append(name[start : start + 2])
    indexed, scanned = [], []
    everything = Customer.objects.all()
    for i, q in enumerate(queries):
        pair = [
            (indexed, name_contains(everything, q)),
            (scanned, everything.filter(name__contains=q)),
        ]
        for bucket, qs in pair if i % 2 == 0 else reversed(pair):
            bucket.append(timed(qs))
    out = {
        "benchmark": "name_contains",
        "customers": Customer.objects.count(),
        "samples": len(queries),
        "pair_index_ms": {
            "p50": pct(indexed, 0.5),
            "p95": pct(indexed, 0.95),
            "p99": pct(indexed, 0.99),
        },
        "like_scan_ms": {
            "p50": pct(scanned, 0.5),
            "p95": pct(scanned, 0.95),
            "p99": pct(scanned, 0.99),
        },
        "p95_ratio": round(pct(scanned, 0.95) / pct(indexed, 0.95), 1),
        "load": round(os.getloadavg()[0], 2),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
