"""The survey page a customer opens from the invitation's link."""

import datetime as dt

import pytest

from carecircle.core import clock
from carecircle.touchpoints.services import surveys
from tests.factories import SH, CustomerFactory
from tests.touchpoints.services.test_surveys import _send

pytestmark = pytest.mark.django_db
SENT = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SH)


def test_the_survey_page_answers_once_and_refuses_after_expiry(client):
    survey = _send(CustomerFactory(marketing_consent=True))
    path = surveys.survey_path(survey)
    with clock.frozen_at(SENT + dt.timedelta(days=1)):
        assert client.get(path).status_code == 200
        first = client.post(path, {"csat": "5", "nps": "10"})
        second = client.post(path, {"csat": "1"})
    assert first.status_code == 200 and "感谢您的评价" in first.content.decode()
    assert second.status_code == 409 and "已回答" in second.content.decode()
    late = _send(CustomerFactory(marketing_consent=True), moment="renewal")
    with clock.frozen_at(SENT + dt.timedelta(days=8)):
        response = client.post(surveys.survey_path(late), {"csat": "5"})
    assert response.status_code == 410
    assert client.get("/ecosystem/s/forged/").status_code == 404
