"""The command-line contract scripts rely on: the console script's names, ``serve``'s refusals
and the database chosen from the environment. (``stats`` is desk's: tests/desk/.)"""

import json
import os
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from carecircle.cli import ALIASES


def test_cli_names_map_to_management_commands():
    assert ALIASES["import"] == "import_data"
    # `worker` is our own command (core/management/commands/worker.py: a lease, retries).
    assert "worker" not in ALIASES


def test_serve_refuses_the_demo_secret_key(settings):
    settings.SECRET_KEY = settings.INSECURE_DEFAULT_SECRET
    with pytest.raises(CommandError, match="SECRET_KEY"):
        call_command("serve", no_migrate=True)


def test_serve_refuses_to_run_without_a_field_encryption_key(settings):
    settings.SECRET_KEY = "a-real-secret-for-this-test"
    settings.FIELD_ENCRYPTION_KEY = ""
    with pytest.raises(CommandError, match="CARECIRCLE_FIELD_KEY"):
        call_command("serve", no_migrate=True)


def test_database_url_switches_to_postgresql_and_default_is_sqlite_in_the_data_dir(tmp_path):
    code = (
        "import json; from django.conf import settings; "
        "print(json.dumps([settings.DATABASES['default']['ENGINE'], str(settings.DATABASES['default']['NAME'])]))"
    )
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(DJANGO_SETTINGS_MODULE="carecircle.settings", CARECIRCLE_DATA_DIR=str(tmp_path))
    run = lambda e: json.loads(  # noqa: E731
        subprocess.run(
            [sys.executable, "-c", "import django; django.setup(); " + code],
            env=e,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    assert run(env) == ["django.db.backends.sqlite3", str(tmp_path / "carecircle.sqlite3")]
    env["DATABASE_URL"] = "postgres://someone@db.example:5432/book"
    assert run(env) == ["django.db.backends.postgresql", "book"]
