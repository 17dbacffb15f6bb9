"""Import speed: a generated book's Parquet tables into a fresh PostgreSQL database.

    uv run python benchmarks/import_bench.py --customers 210000   # ≈1,000,000 policy rows

Baselines in the same run: COPY of the same policy rows (already typed tuples) into a bare
table with no indexes or constraints; and the same rows inserted into the real policy table
with its indexes and foreign keys (rolled back) — the floor for any loader on this machine at
this load. Prints one JSON object on the last line.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl
import psycopg

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=210_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--server", default="postgres://root@127.0.0.1:5432/postgres")
    parser.add_argument("--database", default="carecircle_import_bench")
    args = parser.parse_args()
    url = args.server.rsplit("/", 1)[0] + "/" + args.database
    with psycopg.connect(args.server, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{args.database}"')
        admin.execute(f'CREATE DATABASE "{args.database}"')
    # The generated book is the demo's: the CLI's key check accepts the demo keys by opt-in.
    env = {**os.environ, "DATABASE_URL": url, "CARECIRCLE_ALLOW_DEMO_KEYS": "1"}
    with tempfile.TemporaryDirectory(prefix="cc-import-bench-") as tmp:
        run = [sys.executable, "-m", "carecircle"]
        subprocess.run(
            [
                *run,
                "generate",
                "--customers",
                str(args.customers),
                "--seed",
                str(args.seed),
                "--out",
                tmp,
                "--no-progress",
            ],
            env=env,
            check=True,
            cwd=ROOT,
        )
        subprocess.run([*run, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
        load_before = os.getloadavg()[0]
        started = time.perf_counter()
        out = subprocess.run(
            [
                *run,
                "import",
                *sorted(str(p) for p in Path(tmp).iterdir()),
                "--json",
                "--no-progress",
            ],
            env=env,
            check=True,
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout
        total = time.perf_counter() - started
        load_after = os.getloadavg()[0]
        tables = {t["table"]: t for t in json.loads(out.strip().splitlines()[-1])["tables"]}
        policies = pl.read_parquet(Path(tmp) / "policies").drop("renews_policy_no")
    baseline = copy_baseline(url, policies)
    floor = indexed_floor(url)
    p = tables["policies"]
    print(
        json.dumps(
            {
                "customers": args.customers,
                "policy_rows": p["rows"],
                "policy_seconds": p["seconds"],
                "policy_rows_per_s": round(p["rows"] / p["seconds"]),
                "copy_baseline_seconds": round(baseline, 2),
                "ratio_to_copy": round(p["seconds"] / baseline, 1),
                "indexed_insert_floor_seconds": round(floor, 1),
                "ratio_to_indexed_floor": round(p["seconds"] / floor, 2),
                "all_tables_seconds": round(total, 1),
                "rows": {k: v["rows"] for k, v in tables.items()},
                "seconds": {k: v["seconds"] for k, v in tables.items()},
                "rejected": sum(v["rejected"] for v in tables.values()),
                # Shared 2-core machine: the load average says how contended the run was.
                "load_average_1min": [round(load_before, 1), round(load_after, 1)],
            }
        )
    )


def copy_baseline(url: str, frame: pl.DataFrame) -> float:
    columns = frame.columns
    rows = frame.rows()
    with psycopg.connect(url) as conn:
        conn.execute(
            "CREATE UNLOGGED TABLE bench_copy (" + ", ".join(f'"{c}" text' for c in columns) + ")"
        )
        started = time.perf_counter()
        with conn.cursor().copy(f"COPY bench_copy ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        conn.commit()
        return time.perf_counter() - started


def indexed_floor(url: str) -> float:
    """The database's own cost of these rows: the imported policies, already typed and with
    their ids, inserted again into the real table (its indexes, checks and foreign keys) by
    one ``INSERT … SELECT``, then rolled back. No loader can write them faster."""
    with psycopg.connect(url) as conn:
        conn.execute("CREATE TEMP TABLE floor_rows AS SELECT * FROM policies_policy")
        conn.commit()
        conn.execute("TRUNCATE policies_policy CASCADE")
        conn.execute("SET CONSTRAINTS ALL IMMEDIATE")  # check the foreign keys inside the timing
        started = time.perf_counter()
        conn.execute("INSERT INTO policies_policy SELECT * FROM floor_rows")
        seconds = time.perf_counter() - started
        conn.rollback()
        return seconds


if __name__ == "__main__":
    main()
