"""The test command's wall time: the old command (613a728's scripts/test: pytest on SQLite then
on PostgreSQL, one process each, ruff/mypy/Django checks run as tests inside each pass)
against the new one (scripts/test: the static gates once, then both passes with
pytest-xdist), one after the other in the same run on the same machine and tree.

The old command runs on today's tests with 613a728's tests/test_quality.py put back for its
run (as tests/test_quality_613a728.py, removed afterwards), so it pays for its gates as it did.
Both get the same PostgreSQL (``CARECIRCLE_TEST_PG_URL``, default the scripts' own
``postgres://$USER@127.0.0.1:5432/test``) and the same extra pytest arguments. Each command's
output goes to a log file; the last line printed is one JSON object.

    uv run --frozen python benchmarks/suite_time.py                   # the whole suite, both
    uv run --frozen python benchmarks/suite_time.py -- -k search      # a selection, both
    uv run --frozen python benchmarks/suite_time.py --rounds 2        # old, new, old, new
    uv run --frozen python benchmarks/suite_time.py --workers 2 3     # new with 2, then 3

``--workers`` times the new command once per xdist worker count (CARECIRCLE_TEST_WORKERS)
in each round; ``new_seconds`` is the best of them, ``new_by_workers`` has each.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OLD = "613a728"
OLD_QUALITY = ROOT / "tests" / f"test_quality_{OLD}.py"


def git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout


def old_command(folder: Path) -> list[str]:
    """613a728's scripts/test, run from the repository root instead of its own folder."""
    script = git("show", f"{OLD}:scripts/test")
    cd = 'cd "$(dirname "$0")/.."'
    if cd not in script:
        raise SystemExit(f"{OLD}:scripts/test no longer starts with {cd}")
    path = folder / "test-old"
    path.write_text(script.replace(cd, f"cd {ROOT}"), encoding="utf-8")
    return ["bash", str(path)]


def ensure_database(url: str) -> bool:
    """Create the PostgreSQL database the URL names when the server answers without it: the
    old command's probe connects to that database itself, the new one's to the server."""
    try:
        import psycopg
        from psycopg import sql

        with psycopg.connect(url, dbname="postgres", connect_timeout=3, autocommit=True) as c:
            name = psycopg.conninfo.conninfo_to_dict(url)["dbname"]
            if not c.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                c.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(str(name))))
        return True
    except Exception as error:  # no server: both commands skip (or, under CI, fail) alike
        print(f"[suite_time] PostgreSQL at {url}: {error}", file=sys.stderr)
        return False


def timed(name: str, command: list[str], extra: list[str], logs: Path, env: dict) -> dict:
    log = logs / f"{name}.log"
    print(f"[suite_time] {name}: {' '.join(command + extra)} > {log}", file=sys.stderr)
    started = time.perf_counter()
    with log.open("w", encoding="utf-8") as out:
        code = subprocess.run(
            command + extra, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        ).returncode
    seconds = time.perf_counter() - started
    tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-3:]
    print(f"[suite_time] {name}: {seconds:.1f} s, exit {code}", file=sys.stderr)
    for line in tail:
        print(f"    {line}", file=sys.stderr)
    return {"seconds": round(seconds, 1), "exit": code, "log": str(log)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=1, help="old then new, this many times")
    parser.add_argument(
        "--workers", nargs="+", default=["2"], help="xdist workers for the new command (each)"
    )
    parser.add_argument("--logs", type=Path, help="folder for the logs (default: a temp folder)")
    parser.add_argument("pytest_args", nargs="*", help="after --: passed to pytest in both")
    args = parser.parse_args()
    logs = args.logs or Path(tempfile.mkdtemp(prefix="suite-time-"))
    logs.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "CARECIRCLE_FAST_PASSWORDS": "1"}
    env.pop("DATABASE_URL", None)  # each command picks its databases itself
    env.pop("CI", None)  # the old command knows nothing of CI; neither gets CI's strictness
    env.pop("CARECIRCLE_TEST_GATES", None)
    user = subprocess.run(["id", "-un"], capture_output=True, text=True).stdout.strip()
    pg_url = os.environ.get("CARECIRCLE_TEST_PG_URL", f"postgres://{user}@127.0.0.1:5432/test")
    postgresql = ensure_database(pg_url)
    old = old_command(logs)
    new = ["bash", str(ROOT / "scripts" / "test")]

    runs: dict[str, list[dict]] = {"old": [], "new": []}
    for n in range(args.rounds):
        OLD_QUALITY.write_text(git("show", f"{OLD}:tests/test_quality.py"), encoding="utf-8")
        try:
            runs["old"].append(timed(f"old-{n + 1}", old, args.pytest_args, logs, env))
        finally:
            OLD_QUALITY.unlink(missing_ok=True)
        for workers in args.workers:
            run = timed(
                f"new-{n + 1}-n{workers}",
                new,
                args.pytest_args,
                logs,
                {**env, "CARECIRCLE_TEST_WORKERS": workers},
            )
            runs["new"].append({"workers": workers, **run})

    if any(r["exit"] != 0 for rs in runs.values() for r in rs):
        print("[suite_time] a command failed: its time is not comparable", file=sys.stderr)
    old_best = min(r["seconds"] for r in runs["old"])
    by_workers = {
        w: min(r["seconds"] for r in runs["new"] if r["workers"] == w) for w in args.workers
    }
    new_best = min(by_workers.values())
    print(
        json.dumps(
            {
                "benchmark": "suite_time",
                "old_command": f"{OLD}:scripts/test (no xdist, gates inside each pass)",
                "new_command": "scripts/test (gates once, pytest-xdist)",
                "pytest_args": args.pytest_args,
                "commit": git("rev-parse", "--short", "HEAD").strip(),
                "cpus": os.cpu_count(),
                "postgresql": pg_url if postgresql else None,
                "machine": platform.platform(),
                "old_seconds": old_best,
                "new_seconds": new_best,
                "new_by_workers": by_workers,
                "ratio_old_to_new": round(old_best / new_best, 2) if new_best else None,
                "all_exit_zero": all(r["exit"] == 0 for rs in runs.values() for r in rs),
                "runs": runs,
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
