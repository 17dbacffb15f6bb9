"""Delivery: deferred messages re-checked at flush, gateway failures logged and retried, e-mail
through Django's backend."""

import datetime as dt

import pytest
from django.core import mail

from carecircle.core import clock
from carecircle.notify import services
from carecircle.notify.links import unsubscribe_path
from carecircle.parties import consent
from tests.factories import CustomerFactory
from tests.notify.helpers import SHANGHAI, send

pytestmark = pytest.mark.django_db


def test_a_deferred_marketing_message_is_blocked_if_consent_is_withdrawn_overnight(
    django_capture_on_commit_callbacks,
):
    customer = CustomerFactory(marketing_consent=True)
    with clock.frozen_at(dt.datetime(2026, 3, 2, 6, 0, tzinfo=SHANGHAI)):
        message = send(customer, purpose="marketing", capture=django_capture_on_commit_callbacks)
    consent.withdraw_marketing(customer, source="import", acting_user=None)
    with clock.frozen_at(dt.datetime(2026, 3, 2, 9, 5, tzinfo=SHANGHAI)):
        assert services.flush_due() == {"sent": 0, "blocked": 1, "failed": 0}
    message.refresh_from_db()
    assert (message.status, message.block_reason) == ("blocked", "no_marketing_consent")


def test_email_goes_through_djangos_backend_with_a_one_click_unsubscribe_header(
    at_ten, django_capture_on_commit_callbacks
):
    customer = CustomerFactory(marketing_consent=True)
    services.set_address(customer, "email", "zhou.jie@example.cn")
    message = send(
        customer, purpose="marketing", channel="email", capture=django_capture_on_commit_callbacks
    )
    assert (message.status, message.address_masked) == ("sent", "z***@example.cn")
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["zhou.jie@example.cn"]
    assert sent.subject == "测试"
    assert sent.extra_headers["List-Unsubscribe"].endswith(unsubscribe_path(message.pk) + ">")
    assert sent.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_gateway_failure_is_logged_and_retried_by_flush(
    at_ten, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.notify.broken_backend.RefusingBackend"
    customer = CustomerFactory()
    services.set_address(customer, "email", "a@example.cn")
    message = send(customer, channel="email", capture=django_capture_on_commit_callbacks)
    assert message.status == "failed"
    assert message.error.startswith("ConnectionRefusedError")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert services.flush_due() == {"sent": 1, "blocked": 0, "failed": 0}
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("sent", 2)
