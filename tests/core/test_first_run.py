"""First run (#21, finding 8): a command that needs the tables, started on a fresh data
directory, says in one line to migrate first and exits with status 2 — no traceback — while
the schema-free commands (migrate, check, help …) still run and a migrated database passes
through. The real console script runs in a subprocess with its own empty SQLite database."""

from __future__ import annotations

import subprocess
from urllib.parse import quote

import pytest

from carecircle.core import schema
from tests.core.real_keys import REAL_KEYS, cli_env, run_cli

NOT_MIGRATED = (
    "数据库尚未就绪（{n} 个迁移未应用）：请先运行 uv run carecircle migrate / "
    "The database is not ready ({n} migrations not applied): run uv run carecircle migrate first"
)


def _env(data_dir, database_url=None) -> dict[str, str]:
    return cli_env(data_dir, database_url, **REAL_KEYS)


def _carecircle(env, *args: str, timeout: int = 120) -> subprocess.CompletedProcess[str]:
    return run_cli(env, *args, timeout=timeout)


def _migration_count() -> int:
    from django.db.migrations.loader import MigrationLoader

    return len(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)


@pytest.mark.parametrize(
    "command",
    [["import", "customers.csv"], ["value", "run"], ["stats"]],
    ids=["import", "value-run", "stats"],
)
def test_a_command_needing_the_schema_on_a_fresh_database_says_migrate_first_and_exits_2(
    tmp_path, command
):
    result = _carecircle(_env(tmp_path), *command)

    assert result.returncode == 2
    assert result.stderr.splitlines() == [NOT_MIGRATED.format(n=_migration_count())]
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_an_unreachable_database_is_one_line_too_and_exits_2(tmp_path):
    result = _carecircle(_env(tmp_path, "postgres://nobody@127.0.0.1:1/carecircle"), "stats")

    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("无法连接数据库（")
    assert "Cannot reach the database (" in line
    assert line.endswith("check DATABASE_URL, then run uv run carecircle migrate")


def test_schema_free_commands_run_on_a_fresh_database(tmp_path):
    env = _env(tmp_path)

    assert _carecircle(env, "check").returncode == 0
    helped = _carecircle(env, "import", "--help")
    assert helped.returncode == 0
    assert "usage: carecircle import_data" in helped.stdout


def _copy_of_the_test_database(tmp_path) -> str:
    """A DATABASE_URL for a database migrated exactly like the test database, without
    migrating again: SQLite's in-memory test database copied to a file, or PostgreSQL's test
    database itself (the subprocess only reads it)."""
    import sqlite3

    from django.db import connection

    connection.ensure_connection()
    if connection.vendor == "sqlite":
        path = tmp_path / "migrated.sqlite3"
        with sqlite3.connect(path) as target:
            connection.connection.backup(target)
        target.close()
        return f"sqlite:///{path}"
    s = connection.settings_dict
    user, password = quote(s["USER"] or "", safe=""), quote(s["PASSWORD"] or "", safe="")
    return (
        f"postgres://{user}:{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    )


@pytest.mark.django_db(transaction=True)  # no open transaction: SQLite's backup waits on one
def test_a_migrated_database_passes_through(tmp_path):
    env = _env(tmp_path, _copy_of_the_test_database(tmp_path))

    result = _carecircle(env, "stats")

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "customers: 0" in result.stdout


@pytest.mark.parametrize(
    ("argv", "needed"),
    [
        (["carecircle"], False),
        (["carecircle", "--help"], False),
        (["carecircle", "help", "import_data"], False),
        (["carecircle", "import_data", "a.csv"], True),
        (["carecircle", "import_data", "--help"], False),
        (["carecircle", "value", "run"], True),
        (["carecircle", "db_worker"], True),
        (["carecircle", "createsuperuser"], True),
        (["carecircle", "migrate"], False),
        (["carecircle", "makemigrations", "--check"], False),
        (["carecircle", "demo"], False),
        (["carecircle", "generate", "--out", "book"], False),
        (["carecircle", "generate", "--into-db"], True),
        (["carecircle", "serve"], False),
        (["carecircle", "serve", "--no-migrate"], True),
    ],
)
def test_which_commands_need_the_schema(argv, needed):
    assert schema.needs_schema(argv) is needed


@pytest.mark.django_db
def test_the_test_database_is_fully_migrated_so_the_check_finds_no_problem():
    assert schema.schema_problem() is None
