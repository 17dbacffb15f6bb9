"""The reminders page: only senders open it; the branch's weather file is uploaded there."""

import datetime as dt

import pytest

from carecircle.core import clock
from carecircle.core.roles import Role
from carecircle.ecosystem.models import WeatherAlert
from tests.factories import (
    SH,
    CustomerFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 3, 2)
TEN = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SH)


def test_the_reminders_page_uploads_the_weather_file(client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    UserFactory(username="svc", role=Role.SERVICE_MANAGER)
    UserFactory(username="seat", role=Role.SEAT)
    CustomerFactory(city="杭州")
    client.login(username="seat", password="pw-for-tests-1")
    assert client.get("/ecosystem/reminders/").status_code == 403
    client.login(username="svc", password="pw-for-tests-1")
    upload = SimpleUploadedFile(
        "weather.csv", "city,date,level,warning\n杭州,2026-03-03,橙色,暴雨\n".encode(), "text/csv"
    )
    with clock.frozen_at(TEN):
        response = client.post("/ecosystem/reminders/", {"file": upload})
    assert response.status_code == 200
    assert 'id="upload-ok"' in response.content.decode()
    assert WeatherAlert.objects.get().city == "杭州"
