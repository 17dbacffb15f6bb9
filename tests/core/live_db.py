"""A real file database for tests that start and kill real processes (kill -9 tests).

``data_dir(tmp_path)`` gives a data directory holding a migrated SQLite database — migrated
once per test session into a template and copied (migrating takes most of a minute) — and
``env(data_dir)`` the environment for ``python -m carecircle …`` / ``python -m django …`` on
it: real, strong keys (never the demo's) and ``tests.core.jobs_settings`` (short heartbeats).
"""

from __future__ import annotations

import base64
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DB_NAME = "carecircle.sqlite3"
_KEYS = {
    "SECRET_KEY": secrets.token_urlsafe(64),
    "CARECIRCLE_FIELD_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
}
_template: Path | None = None


def env(data_dir: Path, settings: str = "tests.core.jobs_settings") -> dict[str, str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "CARECIRCLE_FIELD_KEYS_PREVIOUS"}
    }
    base.update(
        _KEYS,
        DJANGO_SETTINGS_MODULE=settings,
        CARECIRCLE_DATA_DIR=str(data_dir),
        DATABASE_URL=f"sqlite:///{data_dir / DB_NAME}",
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        PYTHONUNBUFFERED="1",
    )
    return base


def run(data_dir: Path, *args: str, module: str = "carecircle", timeout: int = 300):
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        env=env(data_dir),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def start(data_dir: Path, *args: str, module: str = "carecircle", **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", module, *args],
        env=env(data_dir),
        cwd=REPO,
        text=True,
        **kwargs,
    )


def data_dir(tmp_path: Path) -> Path:
    global _template
    if _template is None:
        folder = Path(tempfile.mkdtemp(prefix="cc-live-template-"))
        result = run(folder, "migrate", "-v", "0", module="django")
        assert result.returncode == 0, result.stderr[-3000:]
        _template = folder / DB_NAME
    target = tmp_path / "data"
    target.mkdir()
    shutil.copy(_template, target / DB_NAME)
    return target


def query(data_dir: Path, sql: str, *params) -> list[tuple]:
    """Read the database as a reader would (its own connection; WAL: never blocks)."""
    conn = sqlite3.connect(data_dir / DB_NAME, timeout=20)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()
