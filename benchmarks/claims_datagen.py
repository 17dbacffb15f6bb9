"""Time of the claim simulation inside the book generator (datagen/claims.simulate_events and
the claims frame, where repair-shop referrals are drawn), against the whole chunk, in one
process on one chunk. Prints one JSON object last.

    uv run --frozen python benchmarks/claims_datagen.py --customers 20000 --seed 3
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from carecircle.datagen import book as book_module
from carecircle.datagen import claims as claims_module
from carecircle.datagen.config import GenerateOptions
from carecircle.datagen.partners import build_partners
from carecircle.datagen.writer import _plan_offsets, generate_chunk


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=3)
    args = ap.parse_args()
    options = GenerateOptions(customers=args.customers, seed=args.seed)
    _, parties = build_partners(options.customers, options.seed)
    vehicle_offsets, nev_offsets = _plan_offsets(options)
    spent = {"simulate_events": 0.0, "frame": 0.0}
    simulate, frame = claims_module.simulate_events, claims_module.YearEvents.frame

    def timed_simulate(*a, **k):
        start = time.perf_counter()
        try:
            return simulate(*a, **k)
        finally:
            spent["simulate_events"] += time.perf_counter() - start

    def timed_frame(self, *a, **k):
        start = time.perf_counter()
        try:
            return frame(self, *a, **k)
        finally:
            spent["frame"] += time.perf_counter() - start

    book_module.simulate_events = timed_simulate  # type: ignore[assignment]
    claims_module.YearEvents.frame = timed_frame  # type: ignore[method-assign]
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        rows = generate_chunk(
            options, 0, int(vehicle_offsets[0]), int(nev_offsets[0]), parties, Path(out)
        )
        total = time.perf_counter() - start
    print(
        json.dumps(
            {
                "benchmark": "claims_datagen",
                "customers_in_chunk": rows["customers"],
                "claims": rows["claims"],
                "chunk_seconds": round(total, 3),
                "claims_seconds": round(spent["simulate_events"] + spent["frame"], 3),
                "machine": f"{platform.machine()} {os.cpu_count()} cores",
            }
        )
    )


if __name__ == "__main__":
    main()
