"""notify.send: consent, do-not-call, unsubscribe, caps, quiet hours, dedupe, channels, log."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from carecircle.core import clock
from carecircle.core.errors import DomainError
from carecircle.core.roles import Role
from carecircle.notify import services
from carecircle.notify.links import unsubscribe_path
from carecircle.notify.models import Message, OutboxEntry, Unsubscribe
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
MORNING = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def at_ten():
    with clock.frozen_at(MORNING):
        yield


def send(customer, kind="generic", *, capture, **kwargs):
    kwargs.setdefault("context", {"subject": "测试", "body": "您好"})
    with capture(execute=True):
        message = services.send(customer, kind, **kwargs)
    message.refresh_from_db()
    return message


def test_a_service_notice_goes_by_sms_to_the_local_sink_and_is_logged(
    at_ten, django_capture_on_commit_callbacks
):
    customer = CustomerFactory(customer_no="C00000001", name="周杰")
    message = send(
        customer,
        "claim_step",
        context={"claim_no": "CLM001", "step": "定损 / loss assessment"},
        capture=django_capture_on_commit_callbacks,
    )
    assert (message.status, message.channel, message.block_reason) == ("sent", "sms", "")
    assert message.address_masked == "138****0001"
    assert message.body.startswith("尊敬的周杰，您的赔案CLM001已完成：定损 / loss assessment。")
    entry = OutboxEntry.objects.get(message=message)
    assert entry.payload["phone"] == "138****0001"
    assert entry.payload["text"].startswith("【CareCircle】尊敬的周杰")
    assert "退订" not in entry.payload["text"]  # service notices carry no unsubscribe line
    assert message.sent_at == MORNING


def test_marketing_to_a_customer_without_consent_is_blocked_and_logged(
    at_ten, django_capture_on_commit_callbacks
):
    customer = CustomerFactory(marketing_consent=False)
    message = send(customer, purpose="marketing", capture=django_capture_on_commit_callbacks)
    assert (message.status, message.block_reason) == ("blocked", "no_marketing_consent")
    assert OutboxEntry.objects.count() == 0


def test_a_customer_who_withdrew_consent_gets_no_more_marketing(
    at_ten, django_capture_on_commit_callbacks
):
    customer = CustomerFactory(marketing_consent=True)
    first = send(customer, purpose="marketing", capture=django_capture_on_commit_callbacks)
    customer.marketing_consent = False
    customer.save()
    second = send(customer, purpose="marketing", capture=django_capture_on_commit_callbacks)
    assert [first.status, second.status] == ["sent", "blocked"]
    assert second.block_reason == "no_marketing_consent"
    assert Message.objects.filter(customer=customer).count() == 2  # both logged


def test_do_not_call_holds_marketing_but_not_service_notices(
    at_ten, django_capture_on_commit_callbacks
):
    customer = CustomerFactory(marketing_consent=True, do_not_call_until=dt.date(2026, 9, 1))
    marketing = send(customer, purpose="marketing", capture=django_capture_on_commit_callbacks)
    service = send(customer, purpose="service", capture=django_capture_on_commit_callbacks)
    assert (marketing.status, marketing.block_reason) == ("blocked", "do_not_call")
    assert service.status == "sent"


def test_the_unsubscribe_link_opts_out_in_one_step_and_only_from_marketing(
    at_ten, client, django_capture_on_commit_callbacks
):
    customer = CustomerFactory(marketing_consent=True)
    first = send(customer, purpose="marketing", capture=django_capture_on_commit_callbacks)
    assert unsubscribe_path(first.pk) in OutboxEntry.objects.get(message=first).payload["text"]

    response = client.get(unsubscribe_path(first.pk))
    assert response.status_code == 200
    assert "已退订营销消息" in response.content.decode()
    assert (
        Unsubscribe.objects.filter(customer=customer, purpose="marketing", channel="").count() == 1
    )

    again = send(customer, purpose="marketing", capture=django_capture_on_commit_callbacks)
    notice = send(customer, purpose="service", capture=django_capture_on_commit_callbacks)
    assert (again.status, again.block_reason) == ("blocked", "unsubscribed")
    assert notice.status == "sent"

    client.post(unsubscribe_path(first.pk) + "undo/")
    assert Unsubscribe.objects.filter(customer=customer).count() == 0


def test_a_forged_unsubscribe_link_is_refused(client):
    response = client.get("/notify/u/not-a-signed-token/")
    assert response.status_code == 404
    assert Unsubscribe.objects.count() == 0


def test_the_daily_cap_counts_every_message_and_blocks_the_fourth(
    at_ten, django_capture_on_commit_callbacks
):
    customer = CustomerFactory(marketing_consent=True)
    statuses = [send(customer, capture=django_capture_on_commit_callbacks).status for _ in range(4)]
    assert statuses == ["sent", "sent", "sent", "blocked"]
    assert Message.objects.get(customer=customer, status="blocked").block_reason == "frequency_cap"


def test_marketing_is_capped_at_two_in_any_seven_days(django_capture_on_commit_callbacks):
    customer = CustomerFactory(marketing_consent=True)
    results = []
    for day in (1, 3, 6, 9):
        with clock.frozen_at(dt.datetime(2026, 3, day, 10, 0, tzinfo=SHANGHAI)):
            results.append(
                send(customer, purpose="marketing", capture=django_capture_on_commit_callbacks)
            )
    assert [m.status for m in results] == ["sent", "sent", "blocked", "sent"]
    assert results[2].block_reason == "frequency_cap"


def test_a_message_asked_for_at_night_waits_for_the_end_of_quiet_hours(
    django_capture_on_commit_callbacks,
):
    customer = CustomerFactory()
    with clock.frozen_at(dt.datetime(2026, 3, 2, 22, 30, tzinfo=SHANGHAI)):
        message = send(customer, capture=django_capture_on_commit_callbacks)
    assert message.status == "deferred"
    assert message.not_before == dt.datetime(2026, 3, 3, 9, 0, tzinfo=SHANGHAI)
    assert OutboxEntry.objects.count() == 0

    assert services.flush_due(dt.datetime(2026, 3, 3, 8, 59, tzinfo=SHANGHAI))["sent"] == 0
    with clock.frozen_at(dt.datetime(2026, 3, 3, 9, 0, tzinfo=SHANGHAI)):
        assert services.flush_due() == {"sent": 1, "blocked": 0, "failed": 0}
    message.refresh_from_db()
    assert message.status == "sent"


def test_a_deferred_marketing_message_is_blocked_if_consent_is_withdrawn_overnight(
    django_capture_on_commit_callbacks,
):
    customer = CustomerFactory(marketing_consent=True)
    with clock.frozen_at(dt.datetime(2026, 3, 2, 6, 0, tzinfo=SHANGHAI)):
        message = send(customer, purpose="marketing", capture=django_capture_on_commit_callbacks)
    customer.marketing_consent = False
    customer.save()
    with clock.frozen_at(dt.datetime(2026, 3, 2, 9, 5, tzinfo=SHANGHAI)):
        assert services.flush_due() == {"sent": 0, "blocked": 1, "failed": 0}
    message.refresh_from_db()
    assert (message.status, message.block_reason) == ("blocked", "no_marketing_consent")


def test_the_same_dedupe_key_sends_once(at_ten, django_capture_on_commit_callbacks):
    customer = CustomerFactory()
    first = send(customer, dedupe_key="renewal:P1:30", capture=django_capture_on_commit_callbacks)
    second = send(customer, dedupe_key="renewal:P1:30", capture=django_capture_on_commit_callbacks)
    assert first.pk == second.pk
    assert Message.objects.count() == 1
    assert OutboxEntry.objects.count() == 1


def test_wechat_is_preferred_when_the_customer_has_an_openid(
    at_ten, django_capture_on_commit_callbacks
):
    customer = CustomerFactory()
    services.set_address(customer, "wechat", "oABCDEF123456")
    message = send(customer, "birthday", capture=django_capture_on_commit_callbacks)
    assert (message.channel, message.status, message.address_masked) == (
        "wechat",
        "sent",
        "oABC****",
    )
    payload = OutboxEntry.objects.get(message=message).payload
    assert payload["template_id"] == "demo-birthday"
    assert payload["data"]["first"]["value"] == "生日祝福 / Happy birthday"


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


def test_a_channel_without_an_address_is_blocked_with_the_reason(
    at_ten, django_capture_on_commit_callbacks
):
    customer = CustomerFactory()
    message = send(customer, channel="email", capture=django_capture_on_commit_callbacks)
    assert (message.status, message.block_reason) == ("blocked", "no_address")


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


def test_an_unknown_kind_is_refused_naming_the_field(at_ten):
    with pytest.raises(DomainError) as caught:
        services.send(CustomerFactory(), "no_such_kind")
    assert caught.value.field == "kind"
    assert Message.objects.count() == 0


def test_sending_outside_a_transaction_returns_the_sent_message(transactional_db):
    with clock.frozen_at(MORNING):
        message = services.send(CustomerFactory(), "generic", context={"subject": "s", "body": "b"})
    assert message.status == "sent"


def test_the_message_log_is_for_staff_who_send_messages(client):
    UserFactory(username="svc", role=Role.SERVICE_MANAGER)
    UserFactory(username="seat1", role=Role.SEAT)
    client.login(username="seat1", password="pw-for-tests-1")
    assert client.get("/notify/").status_code == 403
    client.login(username="svc", password="pw-for-tests-1")
    assert client.get("/notify/").status_code == 200
