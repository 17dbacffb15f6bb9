"""Legal notices (Insurance Law Art 22 one-notice document request, Art 24 written rejection):
sent whatever the marketing rules say, falling back SMS → e-mail → a letter a person posts,
every attempt recorded, and the dispatch announced exactly once (the legal clock stops on it).
../shared/DOMAIN.md, "Claims: legal clocks" and "Outbound calls"."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied

from carecircle.core import clock
from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog
from carecircle.core.roles import Role
from carecircle.notify import selectors, services
from carecircle.notify.models import DeliveryAttempt, LetterTask, Message, OutboxEntry
from carecircle.notify.services import Outgoing, send_many
from carecircle.parties.models import Customer
from tests.factories import CustomerFactory, UserFactory
from tests.notify.helpers import MORNING, SHANGHAI, send

pytestmark = pytest.mark.django_db
KEY = "claim:7:rejection_notice"
ADDRESS = "浙江杭州西湖区文三路90号3幢501室"
REFUSING_SMS = {
    "NOTIFY": {
        "ADAPTERS": {
            "sms": "tests.notify.broken_backend.RefusingSmsAdapter",
            "wechat": "carecircle.notify.channels.WeChatOutboxAdapter",
            "email": "carecircle.notify.channels.EmailAdapter",
        }
    }
}


def at(hour: int, minute: int = 0, day: int = 2) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=SHANGHAI)


def legal(customer, capture, **kwargs):
    kwargs.setdefault("dedupe_key", KEY)
    return send(customer, purpose="legal", capture=capture, **kwargs)


def earlier(customer, purpose: str, n: int, moment: dt.datetime) -> None:
    """``n`` messages of ``purpose`` already sent to ``customer`` just before ``moment``."""
    Message.objects.bulk_create(
        Message(
            customer=customer,
            kind="generic",
            purpose=purpose,
            channel="sms",
            status="sent",
            subject="s",
            body="b",
            created_at=moment - dt.timedelta(minutes=5),
        )
        for _ in range(n)
    )


def attempts(message) -> list[tuple[str, str]]:
    return list(DeliveryAttempt.objects.filter(message=message).values_list("channel", "outcome"))


def flush(capture) -> dict[str, int]:
    """``carecircle notify flush`` as cron runs it: outside a transaction, so what it announces
    runs at once (here: the test's transaction, with the on-commit callbacks run)."""
    with capture(execute=True):
        return services.flush_due()


def no_phone(customer) -> Customer:
    Customer.objects.filter(pk=customer.pk).update(phone_encrypted="")
    customer.refresh_from_db()
    return customer


# ------------------------------------------------------------- the law over marketing rules


def test_a_legal_notice_goes_at_night_past_consent_do_not_call_unsubscribes_and_full_caps(
    django_capture_on_commit_callbacks, dispatched
):
    customer = CustomerFactory(marketing_consent=False, do_not_call_until=dt.date(2026, 9, 1))
    services.unsubscribe(customer, purpose="service")  # a service opt-out, every channel
    services.unsubscribe(customer, purpose="marketing")
    night = at(23, 30)
    earlier(customer, "service", 3, night)  # the daily cap (3) is full
    earlier(customer, "marketing", 2, night)  # so is the weekly marketing cap (2)
    with clock.frozen_at(night):
        message = legal(customer, django_capture_on_commit_callbacks)
    assert (message.status, message.channel, message.block_reason) == ("sent", "sms", "")
    assert (message.purpose, message.not_before, message.sent_at) == ("legal", None, night)
    assert "退订" not in OutboxEntry.objects.get(message=message).payload["text"]
    assert attempts(message) == [("sms", "sent")]
    assert dispatched == [{"message_id": message.pk, "dedupe_key": KEY, "at": night}]
    assert selectors.dispatched_at(KEY) == night


def test_a_legal_notice_goes_by_sms_first_even_when_the_customer_has_wechat(
    at_ten, django_capture_on_commit_callbacks
):
    customer = CustomerFactory()
    services.set_address(customer, "wechat", "oABCDEF123456")
    message = legal(customer, django_capture_on_commit_callbacks)
    assert (message.channel, message.status) == ("sms", "sent")


def test_a_legal_notice_to_a_customer_without_a_phone_goes_by_email(
    at_ten, django_capture_on_commit_callbacks, dispatched
):
    customer = no_phone(CustomerFactory())
    services.set_address(customer, "email", "zhou.jie@example.cn")
    message = legal(customer, django_capture_on_commit_callbacks)
    assert (message.channel, message.status, message.address_masked) == (
        "email",
        "sent",
        "z***@example.cn",
    )
    assert mail.outbox[0].to == ["zhou.jie@example.cn"]
    assert "List-Unsubscribe" not in mail.outbox[0].extra_headers
    assert attempts(message) == [("sms", "no_address"), ("email", "sent")]
    assert len(dispatched) == 1


def test_a_legal_notice_no_channel_reaches_is_a_letter_task_at_once(
    at_ten, django_capture_on_commit_callbacks, dispatched
):
    customer = no_phone(CustomerFactory(address=ADDRESS))
    message = legal(customer, django_capture_on_commit_callbacks)
    assert (message.status, message.channel, message.block_reason) == ("letter", "letter", "")
    assert message.address_masked == "浙江杭州西湖区文****"
    task = LetterTask.objects.get(message=message)
    assert (task.customer, task.posted_at, task.address_masked) == (
        customer,
        None,
        "浙江杭州西湖区文****",
    )
    assert task.reason == "无可用电子渠道 / no SMS or e-mail address"
    assert attempts(message) == [("sms", "no_address"), ("email", "no_address")]
    assert dispatched == []  # not dispatched until a person posts the letter
    assert selectors.dispatched_at(KEY) is None


# ------------------------------------------------------------------------ the fallback


def test_a_failed_sms_falls_back_to_email_then_to_a_letter_and_the_posting_is_the_dispatch(
    settings, django_capture_on_commit_callbacks, dispatched
):
    settings.CARECIRCLE = REFUSING_SMS
    settings.EMAIL_BACKEND = "tests.notify.broken_backend.RefusingBackend"
    customer = CustomerFactory(address=ADDRESS)
    services.set_address(customer, "email", "zhou.jie@example.cn")
    with clock.frozen_at(at(10)):
        message = legal(customer, django_capture_on_commit_callbacks)
    assert (message.status, message.channel, message.attempts) == ("failed", "sms", 1)
    assert message.error == "SMS gateway: 40301 account suspended"

    # the usual retries (flush, every few minutes) on SMS, then e-mail gets its own
    with clock.frozen_at(at(10, 5)):
        assert flush(django_capture_on_commit_callbacks) == {"sent": 0, "blocked": 0, "failed": 1}
    with clock.frozen_at(at(10, 10)):
        assert flush(django_capture_on_commit_callbacks) == {"sent": 0, "blocked": 0, "failed": 1}
    message.refresh_from_db()
    assert (message.status, message.channel, message.attempts) == ("failed", "email", 1)
    assert message.address_masked == "z***@example.cn"
    assert message.error.startswith("ConnectionRefusedError")
    for minute in (15, 20):
        with clock.frozen_at(at(10, minute)):
            flush(django_capture_on_commit_callbacks)
    message.refresh_from_db()
    assert (message.status, message.channel, message.address_masked) == (
        "letter",
        "letter",
        "浙江杭州西湖区文****",
    )
    assert attempts(message) == [("sms", "failed")] * 3 + [("email", "failed")] * 3
    task = LetterTask.objects.get(message=message)
    assert task.reason.startswith("email: ConnectionRefusedError")
    assert dispatched == []
    with clock.frozen_at(at(10, 25)):  # nothing left to retry: the letter waits for a person
        assert flush(django_capture_on_commit_callbacks) == {"sent": 0, "blocked": 0, "failed": 0}

    clerk = UserFactory(role=Role.SERVICE_MANAGER)
    with clock.frozen_at(at(15)), django_capture_on_commit_callbacks(execute=True):
        services.record_letter_posted(task, tracking_no=" EMS1234567890CN ", acting_user=clerk)
    task.refresh_from_db()
    message.refresh_from_db()
    assert (task.posted_at, task.posted_by, task.tracking_no) == (at(15), clerk, "EMS1234567890CN")
    assert (message.status, message.sent_at, message.provider_ref) == (
        "sent",
        at(15),
        "EMS1234567890CN",
    )
    assert attempts(message)[-1] == ("letter", "sent")
    assert dispatched == [{"message_id": message.pk, "dedupe_key": KEY, "at": at(15)}]
    assert selectors.dispatched_at(KEY) == at(15)
    audit = AuditLog.objects.get(object_type="notify.lettertask", object_id=str(task.pk))
    assert (audit.actor, audit.action) == (clerk, "update")


def test_a_failed_sms_falls_back_to_email_which_delivers_and_is_the_dispatch(
    settings, django_capture_on_commit_callbacks, dispatched
):
    settings.CARECIRCLE = REFUSING_SMS
    customer = CustomerFactory()
    services.set_address(customer, "email", "zhou.jie@example.cn")
    with clock.frozen_at(at(10)):
        message = legal(customer, django_capture_on_commit_callbacks)
    for minute in (5, 10):
        with clock.frozen_at(at(10, minute)):
            flush(django_capture_on_commit_callbacks)
    message.refresh_from_db()
    assert (message.status, message.channel, message.sent_at) == ("sent", "email", at(10, 10))
    assert message.error == ""
    assert mail.outbox[0].to == ["zhou.jie@example.cn"]
    assert attempts(message) == [("sms", "failed")] * 3 + [("email", "sent")]
    assert dispatched == [{"message_id": message.pk, "dedupe_key": KEY, "at": at(10, 10)}]
    assert LetterTask.objects.count() == 0


def test_a_phone_number_gone_before_delivery_falls_back_at_once_without_retries(
    at_ten, django_capture_on_commit_callbacks, dispatched
):
    customer = CustomerFactory()
    services.set_address(customer, "email", "zhou.jie@example.cn")
    with django_capture_on_commit_callbacks(execute=True):
        message = services.send(
            customer, "generic", purpose="legal", context={"subject": "s", "body": "b"}
        )
        no_phone(customer)  # the number is erased before the commit delivers the notice
    message.refresh_from_db()
    assert (message.status, message.channel) == ("sent", "email")
    assert attempts(message) == [("sms", "no_address"), ("email", "sent")]
    assert len(dispatched) == 1


def test_a_failing_service_notice_keeps_no_attempt_log_and_never_falls_back(
    at_ten, settings, django_capture_on_commit_callbacks
):
    settings.CARECIRCLE = REFUSING_SMS
    customer = CustomerFactory()
    services.set_address(customer, "email", "zhou.jie@example.cn")
    message = send(customer, capture=django_capture_on_commit_callbacks)
    flush(django_capture_on_commit_callbacks)
    flush(django_capture_on_commit_callbacks)
    message.refresh_from_db()
    assert (message.status, message.channel, message.attempts) == ("failed", "sms", 3)
    assert DeliveryAttempt.objects.count() == 0
    assert LetterTask.objects.count() == 0


# ------------------------------------------------------------------- exactly once


def test_the_dispatch_is_announced_once_whatever_is_retried_or_asked_again(
    at_ten, django_capture_on_commit_callbacks, dispatched
):
    customer = CustomerFactory()
    first = legal(customer, django_capture_on_commit_callbacks)
    again = legal(customer, django_capture_on_commit_callbacks)  # the same dedupe key
    flush(django_capture_on_commit_callbacks)
    services.deliver(first.pk)  # a stray second delivery takes only queued messages
    assert again.pk == first.pk
    assert Message.objects.count() == 1
    assert OutboxEntry.objects.count() == 1
    assert dispatched == [{"message_id": first.pk, "dedupe_key": KEY, "at": MORNING}]


def test_a_letter_recorded_posted_twice_is_refused_and_announced_once(
    at_ten, django_capture_on_commit_callbacks, dispatched
):
    customer = no_phone(CustomerFactory())
    message = legal(customer, django_capture_on_commit_callbacks)
    task = LetterTask.objects.get(message=message)
    clerk = UserFactory(role=Role.SERVICE_MANAGER)
    with django_capture_on_commit_callbacks(execute=True):
        services.record_letter_posted(task, tracking_no="EMS1", acting_user=clerk)
    with pytest.raises(DomainError) as caught:
        services.record_letter_posted(task, tracking_no="EMS2", acting_user=clerk)
    assert caught.value.code == "letter_already_posted"
    task.refresh_from_db()
    assert task.tracking_no == "EMS1"
    assert len(dispatched) == 1


def test_a_letter_needs_a_tracking_number_and_a_person_allowed_to_send_messages(
    at_ten, django_capture_on_commit_callbacks
):
    message = legal(no_phone(CustomerFactory()), django_capture_on_commit_callbacks)
    task = LetterTask.objects.get(message=message)
    with pytest.raises(DomainError) as caught:
        services.record_letter_posted(
            task, tracking_no="  ", acting_user=UserFactory(role=Role.SERVICE_MANAGER)
        )
    assert caught.value.field == "tracking_no"
    with pytest.raises(PermissionDenied):
        services.record_letter_posted(
            task, tracking_no="EMS1", acting_user=UserFactory(role=Role.SEAT)
        )
    task.refresh_from_db()
    assert task.posted_at is None


# ---------------------------------------------------------------------------- caps


def test_legal_notices_never_count_against_the_daily_cap_of_the_messages_after_them(
    at_ten, django_capture_on_commit_callbacks
):
    # The rule: a legal notice is invisible to the caps — it neither is held by them nor
    # uses them up — so the customer's day still has its 3 other messages.
    customer = CustomerFactory(marketing_consent=True)
    notices = [
        legal(customer, django_capture_on_commit_callbacks, dedupe_key=f"claim:{n}:docs")
        for n in range(4)
    ]
    marketing = send(customer, purpose="marketing", capture=django_capture_on_commit_callbacks)
    service = [send(customer, capture=django_capture_on_commit_callbacks) for _ in range(3)]
    assert [m.status for m in notices] == ["sent"] * 4
    assert marketing.status == "sent"
    assert [(m.status, m.block_reason) for m in service] == [
        ("sent", ""),
        ("sent", ""),
        ("blocked", "frequency_cap"),  # 1 marketing + 2 service = the cap of 3
    ]


def test_send_many_of_legal_notices_is_neither_capped_nor_deferred(
    django_capture_on_commit_callbacks,
):
    reachable = CustomerFactory()
    by_email = no_phone(CustomerFactory())
    services.set_address(by_email, "email", "a@example.cn")
    nowhere = no_phone(CustomerFactory())
    items = [Outgoing(reachable.pk, {"subject": "s", "body": str(n)}, f"k:{n}") for n in range(4)]
    items += [Outgoing(c.pk, {"subject": "s", "body": "b"}) for c in (by_email, nowhere)]
    with clock.frozen_at(at(23)), django_capture_on_commit_callbacks(execute=True):
        tally = send_many(items, "generic", purpose="legal")
    assert tally == {"queued": 5, "letter": 1}
    assert Message.objects.filter(status="sent").count() == 5
    assert LetterTask.objects.get().customer == nowhere


# ---------------------------------------------------- nothing else escapes its rules


def test_marketing_keeps_every_rule_of_its_own_next_to_legal_notices(
    at_ten, django_capture_on_commit_callbacks
):
    customer = CustomerFactory(marketing_consent=False)
    legal(customer, django_capture_on_commit_callbacks)
    marketing = send(customer, purpose="marketing", capture=django_capture_on_commit_callbacks)
    assert (marketing.status, marketing.block_reason) == ("blocked", "no_marketing_consent")
    consenting = CustomerFactory(marketing_consent=True)
    services.unsubscribe(consenting)
    legal(consenting, django_capture_on_commit_callbacks, dedupe_key="claim:8:docs")
    marketing = send(consenting, purpose="marketing", capture=django_capture_on_commit_callbacks)
    assert (marketing.status, marketing.block_reason) == ("blocked", "unsubscribed")


@pytest.mark.parametrize("purpose", ["marketing", "service"])
def test_only_a_legal_notice_may_be_sent_as_a_letter(at_ten, purpose):
    with pytest.raises(DomainError) as caught:
        services.send(CustomerFactory(), "generic", purpose=purpose, channel="letter")
    assert (caught.value.code, caught.value.field) == ("letter_for_legal_only", "channel")
    assert Message.objects.count() == 0


def test_naming_the_letter_channel_sends_a_legal_notice_straight_to_a_letter_task(
    at_ten, django_capture_on_commit_callbacks
):
    message = legal(CustomerFactory(), django_capture_on_commit_callbacks, channel="letter")
    assert (message.status, message.channel) == ("letter", "letter")
    assert attempts(message) == []
    assert LetterTask.objects.filter(message=message, posted_at__isnull=True).count() == 1


def test_a_customer_cannot_unsubscribe_from_legal_notices():
    with pytest.raises(DomainError) as caught:
        services.unsubscribe(CustomerFactory(), purpose="legal")
    assert caught.value.field == "purpose"


def test_service_notices_stay_free_of_marketing_rules_and_keep_their_own(
    at_ten, django_capture_on_commit_callbacks
):
    customer = CustomerFactory(marketing_consent=False, do_not_call_until=dt.date(2026, 9, 1))
    earlier(customer, "marketing", 2, MORNING)  # weekly marketing cap full (and 2 of 3 today)
    claim_step = send(customer, "claim_step", capture=django_capture_on_commit_callbacks)
    assert claim_step.status == "sent"
    services.unsubscribe(customer, purpose="service")
    payment_link = send(customer, capture=django_capture_on_commit_callbacks)
    assert (payment_link.status, payment_link.block_reason) == ("blocked", "unsubscribed")


def test_dispatched_at_is_none_for_no_key_an_unknown_key_or_a_notice_not_yet_sent(
    django_capture_on_commit_callbacks,
):
    customer = CustomerFactory()
    with clock.frozen_at(at(22)):  # a service notice at night waits for the morning
        send(customer, capture=django_capture_on_commit_callbacks, dedupe_key="renewal:P1:30")
    assert selectors.dispatched_at("") is None
    assert selectors.dispatched_at("claim:404:docs") is None
    assert selectors.dispatched_at("renewal:P1:30") is None
