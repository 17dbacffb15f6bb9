"""A live server for tests that must cross a real socket: a fresh PostgreSQL database of its
own (``cc_live_<pid>``), migrated and seeded with a small generated book, a manager with a
password and an API token, and ``gunicorn carecircle.wsgi`` on a free loopback port whose
access log is captured to a file. The database is dropped afterwards.

Everything runs in subprocesses with their own environment (the database URL, fresh keys), so
the test process's own Django settings and test database are left alone.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

# Read by the seed subprocess: a manager at head office (the whole book) with a password and a
# token, and one generated customer with a full phone and ID number to search for.
SEED = r"""
import json, django
django.setup()
from carecircle.core import pii
from carecircle.core.models import ApiToken, OrgUnit, User
from carecircle.core.roles import Role
from carecircle.parties.models import Customer

root = OrgUnit.objects.filter(parent__isnull=True).order_by("pk").first()
user = User.objects.create_user(
    username="live_manager", password="live-manager-pass-21", role=Role.MANAGER, unit=root
)
token = ApiToken.issue(user, "live harness")[1]
customer = (
    Customer.objects.exclude(phone_encrypted="").exclude(id_number_encrypted="").order_by("pk").first()
)
print(json.dumps({
    "username": user.username,
    "password": "live-manager-pass-21",
    "token": token,
    "customer_id": customer.pk,
    "phone": pii.decrypt(customer.phone_encrypted),
    "id_number": pii.decrypt(customer.id_number_encrypted),
}))
"""


def postgres_url() -> str | None:
    """The PostgreSQL server of this test run (DATABASE_URL), or None on SQLite."""
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _admin(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(_with_database(url, "postgres"), autocommit=True) as conn:
        conn.execute(sql)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fresh_keys() -> dict[str, str]:
    """A SECRET_KEY and a field key that pass the production key check (never the demo's)."""
    return {
        "SECRET_KEY": secrets.token_urlsafe(60),
        "CARECIRCLE_FIELD_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
    }


@dataclass
class Live:
    base_url: str
    port: int
    database_url: str
    env: dict[str, str]
    access_log: Path
    error_log: Path
    seed: dict = field(default_factory=dict)
    server: subprocess.Popen | None = None

    @property
    def token(self) -> str:
        return self.seed["token"]

    def run(self, *argv: str, timeout: float = 600) -> subprocess.CompletedProcess:
        """``carecircle <argv>`` against the live database; raises on a non-zero exit."""
        return subprocess.run(
            [str(BIN / "carecircle"), *argv],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=True,
        )


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer 200 within {seconds} s")
        time.sleep(0.3)


@contextmanager
def live_server(
    workdir: Path, *, customers: int = 300, workers: int = 2, threads: int = 2
) -> Iterator[Live]:
    url = postgres_url()
    if url is None:
        raise RuntimeError("the live server needs DATABASE_URL to name a PostgreSQL server")
    name = f"cc_live_{os.getpid()}_{secrets.token_hex(3)}"
    database_url = _with_database(url, name)
    port = free_port()
    env = {
        **os.environ,
        **fresh_keys(),
        "DATABASE_URL": database_url,
        "CARECIRCLE_DATA_DIR": str(workdir / "data"),
        "DJANGO_SETTINGS_MODULE": "carecircle.settings",
        "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'src'}",
        "PYTHONUNBUFFERED": "1",
    }
    live = Live(
        base_url=f"http://127.0.0.1:{port}",
        port=port,
        database_url=database_url,
        env=env,
        access_log=workdir / "access.log",
        error_log=workdir / "error.log",
    )
    _admin(url, f'CREATE DATABASE "{name}"')
    try:
        live.run("migrate", "--verbosity", "0")
        live.run(
            "generate", "--customers", str(customers), "--seed", "21", "--into-db", "--no-progress"
        )
        done = subprocess.run(
            [sys.executable, "-c", SEED], env=env, cwd=ROOT, capture_output=True, text=True,
            timeout=300, check=True,
        )  # fmt: skip
        live.seed = json.loads(done.stdout.strip().splitlines()[-1])
        live.server = subprocess.Popen(
            [str(BIN / "gunicorn"), "carecircle.wsgi:application",
             "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads),
             "--timeout", "120", "--access-logfile", str(live.access_log),
             "--error-logfile", str(live.error_log), "--capture-output"],
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for(f"{live.base_url}/healthz")
        yield live
    finally:
        if live.server is not None:
            live.server.send_signal(signal.SIGTERM)
            try:
                live.server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                live.server.kill()
                live.server.wait()
        _admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
