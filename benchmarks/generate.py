"""Generator speed and memory: ``carecircle generate`` of N customers to Parquet.

    uv run python benchmarks/generate.py --customers 1000000

Peak memory is sampled every 50 ms over the whole process tree (parent and worker processes
summed), so it is the machine's real peak, not one process's. ``cpu_seconds`` is the user +
system time of that tree: on a shared machine it is steadier than the wall-clock ``seconds``.
Prints one JSON object last.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def tree_rss_mb(pid: int) -> float:
    total = 0
    pids = [pid]
    while pids:
        p = pids.pop()
        try:
            status = Path(f"/proc/{p}/status").read_text()
            total += next(
                int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS")
            )
            for task in Path(f"/proc/{p}/task").iterdir():
                children = (task / "children").read_text().split()
                pids.extend(int(c) for c in children)
        except (FileNotFoundError, StopIteration, ProcessLookupError):
            continue
    return total / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cc-gen-bench-") as out:
        cmd = [
            sys.executable,
            "-m",
            "carecircle",
            "generate",
            "--customers",
            str(args.customers),
            "--seed",
            str(args.seed),
            "--workers",
            str(args.workers),
            "--out",
            out,
            "--no-progress",
        ]
        started = time.perf_counter()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        peak = 0.0
        while proc.poll() is None:
            peak = max(peak, tree_rss_mb(proc.pid))
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        rows = json.loads(proc.stdout.read().strip().splitlines()[-1]) if proc.stdout else {}
        size = sum(p.stat().st_size for p in Path(out).rglob("*.parquet"))
    print(
        json.dumps(
            {
                "customers": args.customers,
                "seconds": round(seconds, 1),
                "cpu_seconds": round(cpu, 1),
                "peak_rss_mb": round(peak),
                "parquet_mb": round(size / 2**20),
                "rows": rows,
                "rows_per_s": round(sum(rows.values()) / seconds),
            }
        )
    )


if __name__ == "__main__":
    main()
