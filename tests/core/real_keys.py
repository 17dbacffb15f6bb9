"""Keys that pass the key check (core/keys.py), for tests that run the real console script in
a subprocess, and the two helpers those tests share. Test-only values: never use them
anywhere else."""

from __future__ import annotations

import os
import subprocess
import sys

SECRET_KEY = "Tcjutsh1UoGXBip1w6ObiNtH9Rxx4tuL93bMZ_egZslRPq7Q_OSpj3CNTpq5r0CUUl4"
FIELD_KEY = "-ZfcU7F2Vw-dXuIZd7c5HYhUr8V_gANxGquwzRQPpEQ="
OTHER_FIELD_KEY = "ewzn_ICrSXYEXXphol-lGFdl4vKSdZudrRX7SnHQGTI="

REAL_KEYS = {"SECRET_KEY": SECRET_KEY, "CARECIRCLE_FIELD_KEY": FIELD_KEY}
KEY_ENV = (
    "SECRET_KEY",
    "CARECIRCLE_FIELD_KEY",
    "CARECIRCLE_FIELD_KEYS_PREVIOUS",
    "CARECIRCLE_ALLOW_DEMO_KEYS",
)


def without_keys(env: dict[str, str]) -> dict[str, str]:
    """``env`` with no key variable at all (the demo values apply)."""
    return {k: v for k, v in env.items() if k not in KEY_ENV}


def cli_env(data_dir, database_url: str | None = None, **extra: str) -> dict[str, str]:
    """The environment of a real ``carecircle`` process on its own data directory (SQLite there
    unless ``database_url``), with no key variable but those in ``extra``."""
    env = without_keys({k: v for k, v in os.environ.items() if k != "DATABASE_URL"})
    env.update(
        DJANGO_SETTINGS_MODULE="carecircle.settings",
        CARECIRCLE_DATA_DIR=str(data_dir),
        DATABASE_URL=database_url or f"sqlite:///{data_dir / 'carecircle.sqlite3'}",
    )
    env.update(extra)
    return env


def run_cli(env: dict[str, str], *args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    """``python -m carecircle ARGS`` in ``env``; its output captured, never raising on exit."""
    return subprocess.run(
        [sys.executable, "-m", "carecircle", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
