"""The health check a load balancer polls: no login, 200 while the database answers, 503 not."""

from unittest import mock

import pytest
from django.db import OperationalError

pytestmark = pytest.mark.django_db


def test_health_check_answers_without_login_and_names_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["database"] in ("sqlite", "postgresql")
    assert "no-cache" in response["Cache-Control"]
    assert "sessionid" not in response.cookies


def test_health_check_is_503_when_the_database_does_not_answer(client):
    with mock.patch("django.db.backends.utils.CursorWrapper.execute", side_effect=OperationalError):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unreachable"}


def test_health_check_refuses_writes(client):
    assert client.post("/healthz").status_code == 405
