"""Keys at the console script (#21, finding 1): the real `carecircle` runs in a subprocess.

A command that handles personal data refuses, in one line, to run without real keys (exit 2,
no traceback); the gate's key-free commands (check, makemigrations) and the demo's children
(the explicit CARECIRCLE_ALLOW_DEMO_KEYS opt-in) still run; `serve` refuses weak keys it used
to accept; and a `keys rotate` killed with SIGKILL mid-way is finished by the next run."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from carecircle.core import keys, pii
from carecircle.web.management.commands import demo
from tests.core.real_keys import (
    FIELD_KEY,
    OTHER_FIELD_KEY,
    SECRET_KEY,
    cli_env,
    run_cli,
)
from tests.core.test_first_run import _copy_of_the_test_database
from tests.factories import CustomerFactory

KEYS_NOT_SET = (
    "密钥不可用：SECRET_KEY 未设置（正在用公开的演示值）；CARECIRCLE_FIELD_KEY 未设置。"
    "请设置 SECRET_KEY 和 CARECIRCLE_FIELD_KEY（uv run carecircle keys new 生成；"
    "docs/operations.md「Keys」） / Keys not usable: SECRET_KEY is not set (the public demo "
    "value); CARECIRCLE_FIELD_KEY is not set. Set SECRET_KEY and CARECIRCLE_FIELD_KEY "
    "(`uv run carecircle keys new` makes new ones; docs/operations.md, Keys)"
)


def _env(data_dir, database_url=None, **extra: str) -> dict[str, str]:
    return cli_env(data_dir, database_url, **extra)


def _carecircle(env, *args: str, timeout: int = 120) -> subprocess.CompletedProcess[str]:
    return run_cli(env, *args, timeout=timeout)


@pytest.mark.parametrize(
    "command",
    [["import", "customers.csv"], ["value", "run"], ["worker"], ["notify", "flush"]],
    ids=["import", "value-run", "worker", "notify-flush"],
)
def test_a_command_without_real_keys_says_so_in_one_line_and_exits_2(tmp_path, command):
    result = _carecircle(_env(tmp_path), *command)

    assert result.returncode == 2
    assert result.stderr.splitlines() == [KEYS_NOT_SET]
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_a_weak_secret_and_a_three_byte_field_key_are_refused_at_the_cli(tmp_path):
    result = _carecircle(
        _env(tmp_path, SECRET_KEY="x", CARECIRCLE_FIELD_KEY="YWJj"), "import", "customers.csv"
    )

    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert "SECRET_KEY is too weak (at least 50 characters, 5 different)" in line
    assert "CARECIRCLE_FIELD_KEY is not the urlsafe base64 of a 32-byte key (3 bytes, not 32)" in (
        line
    )


def test_the_gate_commands_run_without_keys(tmp_path):
    env = _env(tmp_path)

    checked = _carecircle(env, "check", "--fail-level", "WARNING")
    assert checked.returncode == 0, checked.stderr
    in_sync = _carecircle(env, "makemigrations", "--check", "--dry-run")
    assert in_sync.returncode == 0, in_sync.stdout + in_sync.stderr
    assert _carecircle(env, "import", "--help").returncode == 0


def test_the_demo_opt_in_lets_a_command_pass_the_key_check(tmp_path):
    """On a fresh database the next check — the schema — answers: the keys passed."""
    result = _carecircle(_env(tmp_path, CARECIRCLE_ALLOW_DEMO_KEYS="1"), "stats")

    assert result.returncode == 2
    assert result.stderr.startswith("数据库尚未就绪（")


def test_the_demo_starts_its_worker_with_the_demo_keys_opt_in(monkeypatch):
    started = {}

    def popen(argv, env):
        started.update(argv=argv, env=env)

    monkeypatch.setattr(demo.subprocess, "Popen", popen)
    monkeypatch.delenv(keys.ALLOW_DEMO_KEYS_ENV, raising=False)
    demo.start_task_worker()

    assert started["argv"][2:4] == ["carecircle.cli", "worker"]
    assert started["env"][keys.ALLOW_DEMO_KEYS_ENV] == "1"
    assert keys.ALLOW_DEMO_KEYS_ENV not in os.environ  # the demo's own process is unchanged


@pytest.mark.django_db(transaction=True)
def test_a_child_with_the_demo_env_runs_on_a_migrated_database_without_keys(tmp_path):
    env = _env(tmp_path, _copy_of_the_test_database(tmp_path))
    env.update({keys.ALLOW_DEMO_KEYS_ENV: "1"})

    result = _carecircle(env, "stats")

    assert result.returncode == 0, result.stderr
    assert "customers: 0" in result.stdout


def test_serve_refuses_a_weak_secret_key_and_a_three_byte_field_key(settings):
    settings.SECRET_KEY = "x"
    settings.FIELD_ENCRYPTION_KEY = "YWJj"
    with pytest.raises(CommandError) as refused:
        call_command("serve", no_migrate=True)
    message = str(refused.value)
    assert "SECRET_KEY is too weak" in message
    assert "CARECIRCLE_FIELD_KEY is not the urlsafe base64 of a 32-byte key (3 bytes, not 32)" in (
        message
    )


def test_serve_allow_insecure_accepts_the_demo_keys_but_not_weak_ones(settings, monkeypatch):
    monkeypatch.delenv(keys.ALLOW_DEMO_KEYS_ENV, raising=False)
    settings.SECRET_KEY = settings.INSECURE_DEFAULT_SECRET
    settings.FIELD_ENCRYPTION_KEY = ""
    keys.require_keys(["carecircle", "serve", "--allow-insecure"])  # passes
    with pytest.raises(SystemExit) as refused:
        keys.require_keys(["carecircle", "serve"])
    assert refused.value.code == 2
    settings.FIELD_ENCRYPTION_KEY = "YWJj"
    with pytest.raises(SystemExit):
        keys.require_keys(["carecircle", "serve", "--allow-insecure"])


# ---- a rotation killed with SIGKILL -----------------------------------------------------------

VERIFY = """
import json, sys
import django
django.setup()
from carecircle.core import pii
from carecircle.parties.models import Customer
expected = json.load(open(sys.argv[1]))
current = pii.current_fingerprint()
found = 0
for c in Customer.objects.all():
    phone, id_number = expected[str(c.pk)]
    assert pii.fingerprint_of(c.phone_encrypted) == current, c.pk
    assert pii.fingerprint_of(c.id_number_encrypted) == current, c.pk
    assert pii.decrypt(c.phone_encrypted) == phone and pii.decrypt(c.id_number_encrypted) == id_number
    assert Customer.objects.search_phone(phone).get() == c
    assert Customer.objects.search_id_number(id_number).get() == c
    found += 1
print(f"verified {found} under {current}")
"""


def _done_line(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout.splitlines()[-1]


@pytest.mark.django_db(transaction=True)
def test_a_rotation_killed_with_sigkill_is_finished_by_the_next_run(tmp_path, settings):
    settings.SECRET_KEY, settings.FIELD_ENCRYPTION_KEY = SECRET_KEY, FIELD_KEY
    customers = [CustomerFactory() for _ in range(30)]
    expected = {
        c.pk: [pii.decrypt(c.phone_encrypted), pii.decrypt(c.id_number_encrypted)]
        for c in customers
    }
    (tmp_path / "expected.json").write_text(json.dumps(expected))
    url = _copy_of_the_test_database(tmp_path)
    rotating = _env(
        tmp_path,
        url,
        SECRET_KEY=SECRET_KEY,
        CARECIRCLE_FIELD_KEY=OTHER_FIELD_KEY,
        CARECIRCLE_FIELD_KEYS_PREVIOUS=FIELD_KEY,
    )
    new = pii.fingerprint_of_field_key(OTHER_FIELD_KEY)

    killed = subprocess.Popen(
        [sys.executable, "-m", "carecircle", "keys", "rotate", "--batch-size", "4", "--pause",
         "0.3"],
        env=rotating, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    progress: list[str] = []
    deadline = time.monotonic() + 120
    assert killed.stdout is not None
    while len(progress) < 3 and time.monotonic() < deadline:
        line = killed.stdout.readline()
        if not line:
            break
        if "已重新加密 / re-encrypted" in line:
            progress.append(line.strip())
    os.kill(killed.pid, signal.SIGKILL)
    killed.wait(30)
    assert killed.returncode == -signal.SIGKILL
    assert progress[-1] == "parties.Customer.phone_encrypted: 12 / 30 已重新加密 / re-encrypted"

    finished = _carecircle(rotating, "keys", "rotate", "--batch-size", "4")
    assert finished.returncode == 0, finished.stderr
    # 60 values (30 phones, 30 ID numbers); 12 were done, one more batch may have committed
    # between the third progress line and the kill; none was done twice or half done.
    assert _done_line(finished) in {
        f"完成 / done: {left} 已重新加密 / re-encrypted, 0 无法解密 / unreadable"
        for left in (60 - 12, 60 - 12 - 4)
    }
    nothing_left = _carecircle(rotating, "keys", "rotate")
    assert _done_line(nothing_left) == (
        "完成 / done: 0 已重新加密 / re-encrypted, 0 无法解密 / unreadable"
    )

    # The old key retired: every row opens with the new key and is found by its blind index.
    retired = _env(tmp_path, url, SECRET_KEY=SECRET_KEY, CARECIRCLE_FIELD_KEY=OTHER_FIELD_KEY)
    script = tmp_path / "verify.py"
    script.write_text(VERIFY)
    verified = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "expected.json")],
        env=retired, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.strip() == f"verified 30 under {new}"
    checked = _carecircle(retired, "keys", "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"parties.Customer.phone_encrypted: 30 × {new} 当前 / current" in checked.stdout


# ---- #21 review: every command line and every WSGI server checks the keys ----------------------


def _python(env, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_python_m_django_refuses_a_command_without_real_keys(tmp_path):
    """Not only the `carecircle` console script: Django's own command line (python -m django,
    django-admin, manage.py) runs the same check before the command."""
    code = "from carecircle.core import pii; print(pii.encrypt('1'))"
    result = _python(_env(tmp_path), "-m", "django", "shell", "-c", code)

    assert result.returncode == 2
    assert result.stderr.splitlines() == [KEYS_NOT_SET]
    assert result.stdout == ""


def test_python_m_django_still_runs_the_key_free_commands(tmp_path):
    result = _python(_env(tmp_path), "-m", "django", "check", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("spelling", ["--into-db", "--into", "--in"])
def test_generate_into_the_database_needs_keys_however_argparse_abbreviates_it(tmp_path, spelling):
    assert keys.needs_keys(["carecircle", "generate", "--customers", "5", spelling])
    assert not keys.needs_keys(["carecircle", "generate", "--customers", "5", "--out", "x"])

    result = _carecircle(_env(tmp_path), "generate", "--customers", "5", spelling)

    assert result.returncode == 2
    assert result.stderr.splitlines() == [KEYS_NOT_SET]


def test_a_hand_started_wsgi_server_builds_no_application_without_real_keys(tmp_path):
    """`gunicorn carecircle.wsgi` (or any server importing it) fails to boot on the demo keys;
    the demo's explicit opt-in and real keys both let it build the application."""
    refused = _python(_env(tmp_path), "-c", "import carecircle.wsgi")
    assert refused.returncode == 1
    assert refused.stderr.splitlines()[-1] == (
        f"django.core.exceptions.ImproperlyConfigured: {KEYS_NOT_SET}"
    )

    for extra in (
        {"CARECIRCLE_ALLOW_DEMO_KEYS": "1"},
        {"SECRET_KEY": SECRET_KEY, "CARECIRCLE_FIELD_KEY": FIELD_KEY},
    ):
        built = _python(
            _env(tmp_path, **extra),
            "-c",
            "import carecircle.wsgi as w; print(callable(w.application))",
        )
        assert (built.returncode, built.stdout) == (0, "True\n"), built.stderr


def test_serve_allow_insecure_hands_gunicorn_the_demo_opt_in(settings, monkeypatch):
    """gunicorn builds carecircle.wsgi in serve's environment, which checks the keys again."""
    from carecircle.web.management.commands import serve

    monkeypatch.setenv(keys.ALLOW_DEMO_KEYS_ENV, "")  # restored (removed) after the test
    monkeypatch.delenv(keys.ALLOW_DEMO_KEYS_ENV)
    settings.SECRET_KEY = settings.INSECURE_DEFAULT_SECRET
    settings.FIELD_ENCRYPTION_KEY = ""
    execs = []
    monkeypatch.setattr(serve.os, "execv", lambda path, argv: execs.append(argv))
    monkeypatch.setattr(serve, "call_command", lambda *a, **k: None)

    call_command("serve", allow_insecure=True, no_migrate=True, stdout=io.StringIO())

    assert execs[0][1] == "carecircle.wsgi:application"
    assert os.environ[keys.ALLOW_DEMO_KEYS_ENV] == "1"
