"""HTTPS settings from the environment (#21 finding 4): the documented production environment
(docs/production.env.example) passes ``carecircle check --deploy`` with no warning; without it
the demo's plain-HTTP defaults stay (and the gate's ``check --fail-level WARNING`` is clean).

Each check runs in a subprocess: settings are read once, from the environment, at start-up."""

from __future__ import annotations

import base64
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "production.env.example"
CARECIRCLE = Path(sys.executable).parent / "carecircle"


def _base_env(tmp_path: Path) -> dict[str, str]:
    """A clean environment: nothing of the test run's own settings leaks in."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "LANG": "C.UTF-8",
        "CARECIRCLE_DATA_DIR": str(tmp_path / "data"),
    }


def _production_env(tmp_path: Path) -> dict[str, str]:
    env = _base_env(tmp_path)
    generated = {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "CARECIRCLE_FIELD_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
    }
    for line in EXAMPLE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, value = line.partition("=")
        env[name] = generated[name] if value == "<generate>" else value
    # The check reads no database; a file one here keeps the example's server out of it.
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'check.sqlite3'}"
    env["CARECIRCLE_DATA_DIR"] = str(tmp_path / "data")
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(CARECIRCLE), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=False,
    )


def _settings(env: dict[str, str], *names: str) -> dict:
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {list(names)!r}}}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "DJANGO_SETTINGS_MODULE": "carecircle.settings"},
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not CARECIRCLE.exists(), reason="the carecircle console script is absent")
def test_check_deploy_with_the_documented_production_environment_prints_no_warning(tmp_path):
    done = _run(["check", "--deploy", "--fail-level", "WARNING"], _production_env(tmp_path))
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "WARNINGS" not in output
    assert "System check identified some issues" not in output
    assert "System check identified no issues (0 silenced)." in output


@pytest.mark.skipif(not CARECIRCLE.exists(), reason="the carecircle console script is absent")
def test_without_the_environment_the_gates_check_stays_clean_and_deploy_names_what_to_set(
    tmp_path,
):
    env = _base_env(tmp_path)
    gate = _run(["check", "--fail-level", "WARNING"], env)
    assert gate.returncode == 0, gate.stdout + gate.stderr
    deploy = _run(["check", "--deploy"], env)
    output = deploy.stdout + deploy.stderr
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in output  # the demo's plain-HTTP defaults, named by the deploy check


def test_the_demo_defaults_are_plain_http(tmp_path):
    values = _settings(
        _base_env(tmp_path),
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_PROXY_SSL_HEADER",
        "AXES_ENABLED",
        "AXES_FAILURE_LIMIT",
        "CARECIRCLE_STAFF_OTP",
    )
    assert values == {
        "SECURE_SSL_REDIRECT": False,
        "SECURE_HSTS_SECONDS": 0,
        "SESSION_COOKIE_SECURE": False,
        "CSRF_COOKIE_SECURE": False,
        "SECURE_PROXY_SSL_HEADER": None,
        "AXES_ENABLED": True,
        "AXES_FAILURE_LIMIT": 5,
        "CARECIRCLE_STAFF_OTP": False,
    }


def test_https_and_the_proxy_header_come_from_the_environment(tmp_path):
    env = {
        **_base_env(tmp_path),
        "CARECIRCLE_HTTPS": "1",
        "CARECIRCLE_HSTS_SECONDS": "600",
        "CARECIRCLE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
        "CARECIRCLE_LOGIN_FAILURE_LIMIT": "8",
        "CARECIRCLE_LOGIN_COOLOFF_MINUTES": "30",
    }
    values = _settings(
        env,
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_PROXY_SSL_HEADER",
        "AXES_FAILURE_LIMIT",
    )
    assert values == {
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 600,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "AXES_FAILURE_LIMIT": 8,
    }


@pytest.mark.django_db
def test_with_the_redirect_on_plain_http_is_sent_to_https_but_the_health_check_is_not():
    from django.test import Client, override_settings

    with override_settings(SECURE_SSL_REDIRECT=True, SECURE_HSTS_SECONDS=600):
        client = Client()
        response = client.get("/accounts/login/")
        assert response.status_code == 301
        assert response["Location"] == "https://testserver/accounts/login/"
        assert client.get("/healthz").status_code == 200  # the load balancer's plain check
        secure = client.get("/accounts/login/", secure=True)
        assert secure.status_code == 200
        assert secure["Strict-Transport-Security"] == "max-age=600"
    with override_settings(
        SECURE_SSL_REDIRECT=True, SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https")
    ):
        client = Client()
        proxied = client.get("/accounts/login/", headers={"X-Forwarded-Proto": "https"})
        assert proxied.status_code == 200  # the proxy says the browser used HTTPS
        assert client.get("/accounts/login/").status_code == 301


def test_the_example_marks_hsts_subdomains_and_preload_as_a_deliberate_decision():
    """#21 review: the file is meant to be copied; the two hard-to-undo HSTS lines say so."""
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    at = lines.index("CARECIRCLE_HSTS_INCLUDE_SUBDOMAINS=1")
    assert lines[at + 1] == "CARECIRCLE_HSTS_PRELOAD=1"
    comment = " ".join(line for line in lines[at - 6 : at] if line.startswith("#"))
    assert "A DELIBERATE DECISION, NOT A DEFAULT TO COPY" in comment
    assert "security.W005, security.W021" in comment
