"""The renewal pipeline and the quote, an old commit against this checkout, in one run
(issue #14: both must stay within 10 % of the old commit on the same machine).

    uv run --frozen python benchmarks/rules_compare.py --old d6b4d5f [--customers 120000] \\
        [--rounds 3] [--tasks 2000]

1. A git worktree of ``--old`` in the temporary folder (``carecircle-old-<sha>``) (reused) with its own
   environment (``uv sync --frozen``).
2. One PostgreSQL database per side (``bench_rules_old`` / ``bench_rules_new``), each built
   by its own side's code on first use: ``renewals_pipeline.py --load N --value`` (the same
   generator seed, so the books have the same size and shape; the generator itself changed, so
   the rows are not identical).
3. ``--rounds`` rounds, old and new alternating so load drifts hit both: the pipeline from an
   empty state (``renewals_pipeline.py --runs 2``: first build and the daily re-sort, each
   side's own script) and ``renewals_quote.py`` (this checkout's script, importing each side's
   ``src``) over the same first ``--tasks`` open tasks.
4. Prints medians per side and the new/old ratios as one JSON object on the last line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
PG = "postgres://root@127.0.0.1:5432/"


def sh(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    run = subprocess.run(
        cmd, cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, text=True
    )
    if run.returncode:
        sys.stderr.write(run.stdout[-3000:] + run.stderr[-3000:])
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return run.stdout


def last_json(out: str) -> dict:
    return json.loads(out.strip().splitlines()[-1])


def worktree(commit: str) -> Path:
    sha = sh(["git", "rev-parse", "--short", commit], HERE).strip()
    path = Path(tempfile.gettempdir()) / f"carecircle-old-{sha}"
    if not path.exists():
        sh(["git", "worktree", "add", "-f", str(path), sha], HERE)
    sh(["uv", "sync", "--frozen", "--quiet"], path)
    return path


def database(name: str) -> str:
    names = sh(["psql", PG + "postgres", "-Atc", "select datname from pg_database"], HERE)
    if name not in names.split():
        sh(["createdb", "-h", "127.0.0.1", "-U", "root", name], HERE)
    return PG + name


def pipeline(side: Path, url: str, extra: list[str]) -> dict:
    cmd = ["uv", "run", "--frozen", "python", "benchmarks/renewals_pipeline.py", *extra]
    return last_json(sh(cmd, side, {"DATABASE_URL": url}))


def quote(side: Path, url: str, tasks: int) -> dict:
    cmd = ["uv", "run", "--frozen", "python", str(HERE / "benchmarks/renewals_quote.py")]
    cmd += ["--tasks", str(tasks), "--src", str(side / "src")]
    return last_json(sh(cmd, side, {"DATABASE_URL": url}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--old", required=True)
    parser.add_argument("--customers", type=int, default=120_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument("--seats", type=int, default=100)
    args = parser.parse_args()
    sides = {"old": worktree(args.old), "new": HERE}
    urls = {name: database(f"bench_rules_{name}") for name in sides}
    for name, side in sides.items():  # build once (idempotent: skipped when loaded)
        prep = ["--load", str(args.customers), "--value", "--seats", str(args.seats)]
        pipeline(side, urls[name], [*prep, "--runs", "1"])
    results: dict[str, dict[str, list[float]]] = {n: {} for n in sides}
    for _ in range(args.rounds):
        for name, side in sides.items():
            run = pipeline(side, urls[name], ["--seats", str(args.seats), "--runs", "2"])
            q = quote(side, urls[name], args.tasks)
            for key, value in (
                ("pipeline_first_s", run["first_run"]["seconds"]),
                ("pipeline_resort_s", run["next_runs"][0]["seconds"]),
                ("quote_p50_ms", q["p50_ms"]),
                ("quote_mean_ms", q["mean_ms"]),
            ):
                results[name].setdefault(key, []).append(value)
            results[name]["expiring_policies"] = [run["expiring_policies"]]
            results[name]["quotes"] = [q["quotes"]]
    medians = {n: {k: statistics.median(v) for k, v in r.items()} for n, r in results.items()}
    ratios = {
        k: round(medians["new"][k] / medians["old"][k], 3)
        for k in ("pipeline_first_s", "pipeline_resort_s", "quote_p50_ms", "quote_mean_ms")
    }
    print(
        json.dumps(
            {
                "benchmark": "rules_compare",
                "old": args.old,
                "customers": args.customers,
                "rounds": results,
                "medians": medians,
                "new_over_old": ratios,
                "within_10_percent": all(r <= 1.10 for r in ratios.values()),
                "load_average": [round(x, 2) for x in os.getloadavg()],
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
