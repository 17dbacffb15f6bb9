"""The first-run check: a command that reads or writes the book refuses, in one line, to run on
a database that is unreachable or not migrated, instead of failing deep inside with a raw
``OperationalError: no such table`` (issue #21, finding 8).

The ``carecircle`` console script (cli.py) calls :func:`require_schema` before it hands the
command to Django. ``call_command`` (tests, ``demo``, ``serve``) does not go through it: the
test database is migrated by pytest-django, and the commands that call others migrate first.

Cost: building the migration graph reads the migration files (no query); then one query for
the applied migrations (plus the table-exists probe Django's recorder makes).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

MIGRATE = "uv run carecircle migrate"

# Commands that run without the schema, by the name Django dispatches (after cli.ALIASES).
# Every other command — the project's own (import, value, renewals, alliance, claims,
# claims_clocks, ecosystem, notify, worker, db_worker, privacy, org, stats, api_token, calendar,
# complaints, proposals) and Django's that touch the tables (createsuperuser, changepassword,
# loaddata, dumpdata, flush, clearsessions …) — is checked.
SCHEMA_FREE = frozenset(
    {
        # The migration tools themselves: they create or inspect the schema.
        "migrate",
        "makemigrations",
        "showmigrations",
        "sqlmigrate",
        "squashmigrations",
        "optimizemigration",
        "createcachetable",
        # Checks, help and settings: they read code, not tables.
        "check",
        "help",
        "version",
        "diffsettings",
        # The demo migrates its own database; generate writes files (but --into-db loads the
        # database, so that form is checked: see needs_schema).
        "demo",
        "generate",
        # serve migrates before it starts gunicorn (unless --no-migrate: see needs_schema).
        "serve",
        # The test runner builds its own test database.
        "test",
        "testserver",
        # Interactive and file tools: an operator may need them on an empty database.
        "shell",
        "dbshell",
        "inspectdb",
        "collectstatic",
        "findstatic",
        "compilemessages",
        "makemessages",
        "startapp",
        "startproject",
        "sendtestemail",
        "sqlflush",
        "sqlsequencereset",
    }
)

HELP_FLAGS = frozenset({"-h", "--help", "--version"})


def needs_schema(argv: Sequence[str]) -> bool:
    """Whether the command line ``argv`` (``argv[1]`` is the Django command name) needs a
    migrated database. No command, a help or version flag, or a schema-free command: no."""
    if len(argv) < 2 or argv[1].startswith("-"):
        return False
    if any(arg in HELP_FLAGS for arg in argv[2:]):
        return False
    command, options = argv[1], argv[2:]
    if command == "serve":
        return "--no-migrate" in options
    if command == "generate":
        return "--into-db" in options
    return command not in SCHEMA_FREE


def schema_problem(using: str = "default") -> str | None:
    """None when the database answers and every migration is applied; otherwise the one line
    (中文 / English) that says what is wrong and what to run."""
    from django.db import DatabaseError, connections
    from django.db.migrations.executor import MigrationExecutor

    connection = connections[using]
    try:
        connection.ensure_connection()
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return (
            f"无法连接数据库（{reason}）：请检查 DATABASE_URL，然后运行 {MIGRATE} / "
            f"Cannot reach the database ({reason}): check DATABASE_URL, then run {MIGRATE}"
        )
    if not plan:
        return None
    n = len(plan)
    return (
        f"数据库尚未就绪（{n} 个迁移未应用）：请先运行 {MIGRATE} / "
        f"The database is not ready ({n} migrations not applied): run {MIGRATE} first"
    )


def require_schema(argv: Sequence[str]) -> None:
    """At the CLI entry point: when the command needs the schema and the database does not have
    it, print the one line to stderr and exit with status 2 (no traceback)."""
    if not needs_schema(argv):
        return
    import django

    django.setup()
    problem = schema_problem()
    if problem is not None:
        sys.stderr.write(f"{problem}\n")  # the CLI's one line, by design
        raise SystemExit(2)
