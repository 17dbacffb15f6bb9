"""Value batch engine speed: embedded Polars pipeline against a plain pandas baseline.

    uv run python benchmarks/value_run.py --customers 1000000 [--seed 1] [--workdir DIR]
        [--pandas-customers M]

1. Generates a book of N customers as canonical Parquet (``carecircle generate``), or reuses
   the one cached in ``--workdir`` from an earlier run with the same N and seed.
2. Embedded: ``scan_snapshot`` → ``clean_inputs`` → ``compute`` → ``results`` collected, in a
   child process of its own, so its peak RSS (``getrusage`` of that child) is its own.
3. pandas baseline (``benchmarks/value_pandas.py``, same phases and formulas, tested equal) on
   the same snapshot, in another child.  With ``--pandas-customers M`` (M < N) it runs on a
   generated book of M customers instead and its time is scaled by N / M
   (``pandas_scaled: true`` in the output says so).
4. This machine's memory bandwidth, for scale: numpy copy (read + write) and sum (read) of a
   1 GiB float64 array, best of 5, one thread.

``seconds`` is the work inside the child (reading Parquet to the collected results; not the
interpreter start); ``gb_per_s`` is the compressed Parquet bytes of the column chunks the
pipeline reads ÷ ``seconds`` (GB = 10⁹ bytes).  Prints one JSON object last.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TABLES = ("customers", "policies", "claims", "interactions")
AS_OF = "2026-11-22"  # the generator's reference date


def ensure_book(workdir: Path, customers: int, seed: int) -> tuple[Path, float | None]:
    """The cached book, generated when missing; returns (folder, generation seconds or None)."""
    folder = workdir / f"book-{customers}-s{seed}"
    marker = folder / ".complete"
    if marker.exists():
        return folder, None
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "carecircle",
            "generate",
            "--customers",
            str(customers),
            "--seed",
            str(seed),
            "--out",
            str(folder),
            "--no-progress",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    marker.write_text(json.dumps({"customers": customers, "seed": seed}))
    return folder, time.perf_counter() - started


def parquet_bytes(folder: Path) -> dict[str, int]:
    """Bytes of the four tables' files, and of the column chunks the pipeline reads."""
    import pyarrow.parquet as pq

    from carecircle.value.engine.snapshot import NEEDED_COLUMNS

    files = compressed = uncompressed = 0
    for table in TABLES:
        single = folder / f"{table}.parquet"
        paths = [single] if single.exists() else sorted((folder / table).glob("*.parquet"))
        for path in paths:
            files += path.stat().st_size
            meta = pq.ParquetFile(path).metadata
            for g in range(meta.num_row_groups):
                group = meta.row_group(g)
                for c in range(group.num_columns):
                    chunk = group.column(c)
                    if chunk.path_in_schema in NEEDED_COLUMNS[table]:
                        compressed += chunk.total_compressed_size
                        uncompressed += chunk.total_uncompressed_size
    return {"files": files, "compressed": compressed, "uncompressed": uncompressed}


def measure(kind: str, folder: Path, as_of: str) -> dict[str, float]:
    """Run one measurement in a child process; its own peak RSS from wait4's rusage."""
    command = [sys.executable, __file__, "--child", kind, "--snapshot", str(folder)]
    command += ["--as-of", as_of]
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out:
        proc = subprocess.Popen(command, stdout=out)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        out.seek(0)
        lines = out.read().strip().splitlines()
    if proc.returncode != 0:
        raise RuntimeError(f"{kind} child failed with exit code {proc.returncode}")
    result = json.loads(lines[-1])
    result["process_seconds"] = wall
    result["peak_rss_mb"] = usage.ru_maxrss / 1024  # KiB on Linux
    result["cpu_seconds"] = usage.ru_utime + usage.ru_stime
    return result


def child_embedded(folder: Path, as_of: dt.date) -> dict[str, float]:
    from carecircle.value.engine.checks import clean_inputs
    from carecircle.value.engine.params import ValueParams
    from carecircle.value.engine.pipeline import compute, results
    from carecircle.value.engine.snapshot import scan_snapshot

    started = time.perf_counter()
    inputs, _ = clean_inputs(scan_snapshot(folder))
    frame = results(compute(inputs, ValueParams(as_of=as_of))).collect()
    return {"seconds": time.perf_counter() - started, "rows": frame.height}


def child_pandas(folder: Path, as_of: dt.date) -> dict[str, float]:
    sys.path.insert(0, str(ROOT))
    from benchmarks import value_pandas
    from carecircle.value.engine.params import ValueParams

    started = time.perf_counter()
    frame = value_pandas.run(folder, ValueParams(as_of=as_of))
    return {"seconds": time.perf_counter() - started, "rows": len(frame)}


def child_bandwidth() -> dict[str, float]:
    import numpy as np

    source = np.ones(2**30 // 8)
    target = np.empty_like(source)
    copy = total = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        np.copyto(target, source)
        copy = min(copy, time.perf_counter() - started)
        started = time.perf_counter()
        source.sum()
        total = min(total, time.perf_counter() - started)
    return {
        "copy_gb_per_s": 2 * source.nbytes / copy / 1e9,
        "sum_gb_per_s": source.nbytes / total / 1e9,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--workdir", type=Path, default=Path(tempfile.gettempdir()) / "cc-value-bench"
    )
    parser.add_argument("--pandas-customers", type=int, default=None)
    parser.add_argument("--as-of", default=AS_OF)
    parser.add_argument("--child", choices=["embedded", "pandas", "bandwidth"])
    parser.add_argument("--snapshot", type=Path)
    args = parser.parse_args()
    if args.child:
        as_of = dt.date.fromisoformat(args.as_of)
        if args.child == "embedded":
            print(json.dumps(child_embedded(args.snapshot, as_of)))
        elif args.child == "pandas":
            print(json.dumps(child_pandas(args.snapshot, as_of)))
        else:
            print(json.dumps(child_bandwidth()))
        return

    args.workdir.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()
    book, generated = ensure_book(args.workdir, args.customers, args.seed)
    scanned = parquet_bytes(book)
    embedded = measure("embedded", book, args.as_of)
    pandas_customers = args.pandas_customers or args.customers
    scaled = pandas_customers != args.customers
    pandas_book = ensure_book(args.workdir, pandas_customers, args.seed)[0] if scaled else book
    pandas = measure("pandas", pandas_book, args.as_of)
    pandas_seconds = pandas["seconds"] * args.customers / pandas_customers
    bandwidth = measure("bandwidth", book, args.as_of)
    seconds = embedded["seconds"]
    print(
        json.dumps(
            {
                "customers": args.customers,
                "seed": args.seed,
                "seconds": round(seconds, 2),
                "process_seconds": round(embedded["process_seconds"], 2),
                "cpu_seconds": round(embedded["cpu_seconds"], 2),
                "peak_rss_mb": round(embedded["peak_rss_mb"]),
                "rows": embedded["rows"],
                "pandas_customers": pandas_customers,
                "pandas_scaled": scaled,
                "pandas_measured_seconds": round(pandas["seconds"], 2),
                "pandas_seconds": round(pandas_seconds, 2),
                "pandas_peak_rss_mb": round(pandas["peak_rss_mb"]),
                "speedup": round(pandas_seconds / seconds, 1),
                "parquet_files_mb": round(scanned["files"] / 1e6, 1),
                "parquet_scanned_mb": round(scanned["compressed"] / 1e6, 1),
                "parquet_scanned_uncompressed_mb": round(scanned["uncompressed"] / 1e6, 1),
                "gb_per_s": round(scanned["compressed"] / seconds / 1e9, 4),
                "uncompressed_gb_per_s": round(scanned["uncompressed"] / seconds / 1e9, 4),
                "memory_bandwidth_gb_per_s": round(bandwidth["copy_gb_per_s"], 1),
                "memory_sum_gb_per_s": round(bandwidth["sum_gb_per_s"], 1),
                "generated_seconds": round(generated, 1) if generated else None,
                "load_avg_before": [round(x, 2) for x in load_before],
                "load_avg_after": [round(x, 2) for x in os.getloadavg()],
                "cpus": os.cpu_count(),
            }
        )
    )


if __name__ == "__main__":
    main()
