"""The unsubscribe link (#21, finding 7): opening it changes nothing (mail scanners open links),
the customer confirms with a POST, a mail client's RFC 8058 one-click POST needs no CSRF token
(the signed token is the credential), and the link expires ``UNSUBSCRIBE_LINK_DAYS`` after its
message was sent, with a page that says so and where to manage preferences instead."""

import datetime as dt

import pytest
from django.test import Client

from carecircle.core import clock
from carecircle.notify.links import unsubscribe_path
from carecircle.notify.models import Unsubscribe
from tests.factories import CustomerFactory
from tests.notify.helpers import MORNING, send

pytestmark = pytest.mark.django_db


@pytest.fixture
def marketing(at_ten, django_capture_on_commit_callbacks):
    customer = CustomerFactory(marketing_consent=True)
    message = send(customer, purpose="marketing", capture=django_capture_on_commit_callbacks)
    return customer, message


def unsubscribed(customer) -> int:
    return Unsubscribe.objects.filter(customer=customer, purpose="marketing").count()


def test_opening_the_unsubscribe_link_changes_nothing_until_the_customer_posts(marketing, client):
    customer, message = marketing
    url = unsubscribe_path(message.pk)
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="confirm-unsubscribe"' in text and 'method="post"' in text
    assert unsubscribed(customer) == 0  # a mail scanner's GET unsubscribes nobody
    done = client.post(url)
    assert done.status_code == 200
    assert "已退订营销消息" in done.content.decode()
    assert unsubscribed(customer) == 1


def test_a_mail_clients_one_click_post_unsubscribes_without_a_csrf_token(marketing):
    customer, message = marketing
    mail_client = Client(enforce_csrf_checks=True)  # RFC 8058: the client posts, no form
    response = mail_client.post(
        unsubscribe_path(message.pk), "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )  # fmt: skip
    assert response.status_code == 200
    assert unsubscribed(customer) == 1


def test_the_unsubscribe_link_expires_after_the_set_days_with_a_page_to_manage_preferences(
    marketing, client, settings
):
    customer, message = marketing
    url = unsubscribe_path(message.pk)
    with clock.frozen_at(MORNING + dt.timedelta(days=89)):
        assert client.get(url).status_code == 200  # the default: 90 days
    with clock.frozen_at(MORNING + dt.timedelta(days=91)):
        page = client.get(url)
        assert page.status_code == 410
        text = page.content.decode()
        assert "链接已过期 / This link has expired" in text
        assert 'href="/consents/my/"' in text  # the way to manage preferences
        assert client.post(url).status_code == 410
        assert client.post(url + "undo/").status_code == 410
    assert unsubscribed(customer) == 0
    settings.CARECIRCLE = {**settings.CARECIRCLE, "NOTIFY": {"UNSUBSCRIBE_LINK_DAYS": 7}}
    with clock.frozen_at(MORNING + dt.timedelta(days=8)):
        assert client.get(url).status_code == 410
