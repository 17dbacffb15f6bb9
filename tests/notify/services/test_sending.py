"""notify.send: consent, do-not-call, unsubscribe, caps, quiet hours, dedupe, channels, log."""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from carecircle.core import clock
from carecircle.core.errors import DomainError
from carecircle.notify import services
from carecircle.notify.models import Message, OutboxEntry
from carecircle.parties import consent
from carecircle.parties.models import Customer
from tests.factories import CustomerFactory
from tests.notify.helpers import MORNING, SHANGHAI, send

pytestmark = pytest.mark.django_db


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
    consent.withdraw_marketing(customer, source="import", acting_user=None)
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


def test_a_channel_without_an_address_is_blocked_with_the_reason(
    at_ten, django_capture_on_commit_callbacks
):
    customer = CustomerFactory()
    message = send(customer, channel="email", capture=django_capture_on_commit_callbacks)
    assert (message.status, message.block_reason) == ("blocked", "no_address")


def test_an_unknown_kind_is_refused_naming_the_field(at_ten):
    with pytest.raises(DomainError) as caught:
        services.send(CustomerFactory(), "no_such_kind")
    assert caught.value.field == "kind"
    assert Message.objects.count() == 0


def test_sending_outside_a_transaction_returns_the_sent_message(transactional_db):
    with clock.frozen_at(MORNING):
        message = services.send(CustomerFactory(), "generic", context={"subject": "s", "body": "b"})
    assert message.status == "sent"


# ---------------------------------------------------------------- send is send_many of one


@dataclass(frozen=True)
class Case:
    """A customer's state and a request: everything a message's outcome depends on."""

    purpose: str = "service"
    consent: bool = True
    do_not_call: bool = False
    unsubscribed: str | None = None  # None, "" (every channel), or one channel
    phone: bool = True
    wechat: bool = False
    email: bool = False
    channel: str | None = None  # None: the first channel with an address
    sent_today: int = 0
    marketing_this_week: int = 0
    hour: int = 10
    dedupe: str = ""  # "", "new" (a fresh key) or "used" (a key already recorded)


cases = st.builds(
    Case,
    purpose=st.sampled_from(["service", "marketing", "legal"]),
    consent=st.booleans(),
    do_not_call=st.booleans(),
    unsubscribed=st.sampled_from([None, "", "sms", "wechat", "email"]),
    phone=st.booleans(),
    wechat=st.booleans(),
    email=st.booleans(),
    channel=st.sampled_from([None, "sms", "wechat", "email"]),
    sent_today=st.integers(0, 3),
    marketing_this_week=st.integers(0, 2),
    hour=st.sampled_from([6, 10, 22]),
    dedupe=st.sampled_from(["", "new", "used"]),
)
CONTEXT = {"subject": "通知 {name}", "body": "您好"}
KEY = "parity:1"


def _given(case: Case, moment: dt.datetime):
    customer = CustomerFactory(
        name="周杰",
        marketing_consent=case.consent,
        do_not_call_until=dt.date(2026, 9, 1) if case.do_not_call else None,
    )
    if not case.phone:
        Customer.objects.filter(pk=customer.pk).update(phone_encrypted="")
        customer.refresh_from_db()
    if case.wechat:
        services.set_address(customer, "wechat", "oABCDEF123456")
    if case.email:
        services.set_address(customer, "email", "zhou.jie@example.cn")
    if case.unsubscribed is not None:  # nobody opts out of legal notices: a service opt-out
        purpose = "service" if case.purpose == "legal" else case.purpose
        services.unsubscribe(customer, purpose=purpose, channel=case.unsubscribed)
    earlier = [
        (moment - dt.timedelta(minutes=1), "service", "") for _ in range(case.sent_today)
    ] + [(moment - dt.timedelta(days=3), "marketing", "") for _ in range(case.marketing_this_week)]
    if case.dedupe == "used":
        earlier.append((moment - dt.timedelta(days=10), "service", KEY))
    Message.objects.bulk_create(
        Message(
            customer=customer,
            kind="generic",
            purpose=purpose,
            channel="sms",
            status="sent",
            subject="s",
            body="b",
            created_at=at,
            dedupe_key=key,
        )
        for at, purpose, key in earlier
    )
    return customer


def _seen(message: Message) -> dict:
    """Every logged field but the row's id; the gateway's reference by its channel."""
    fields = {
        f.attname: getattr(message, f.attname)
        for f in Message._meta.concrete_fields
        if f.attname not in ("id", "provider_ref")
    }
    return {**fields, "provider": message.provider_ref.split("-")[0]}


def _by_send(customer, case: Case, capture) -> tuple[str, dict]:
    with transaction.atomic():
        with capture(execute=True):
            message = services.send(
                customer,
                "generic",
                purpose=case.purpose,
                context=CONTEXT,
                channel=case.channel,
                dedupe_key=KEY if case.dedupe else None,
            )
            decided = message.block_reason or message.status
        message.refresh_from_db()
        seen = _seen(message)
        transaction.set_rollback(True)  # the other path starts from the same state
    return decided, seen


def _by_send_many(customer, case: Case, capture) -> tuple[dict, dict]:
    before = list(Message.objects.values_list("pk", flat=True))
    with transaction.atomic():
        with capture(execute=True):
            tally = services.send_many(
                [services.Outgoing(customer.pk, CONTEXT, KEY if case.dedupe else "")],
                "generic",
                purpose=case.purpose,
                channel=case.channel,
            )
        new = Message.objects.exclude(pk__in=before)
        message = new.get() if new.exists() else Message.objects.get(dedupe_key=KEY)
        seen = _seen(message)
        transaction.set_rollback(True)
    return dict(tally), seen


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=cases)
@example(case=Case())
@example(case=Case(purpose="marketing", consent=False))
@example(case=Case(purpose="marketing", do_not_call=True))
@example(case=Case(unsubscribed=""))
@example(case=Case(purpose="marketing", unsubscribed="wechat", wechat=True))
@example(case=Case(sent_today=3))
@example(case=Case(purpose="marketing", marketing_this_week=2))
@example(case=Case(sent_today=2, hour=22))
@example(case=Case(hour=6, wechat=True))
@example(case=Case(phone=False))
@example(case=Case(channel="email"))
@example(case=Case(channel="email", email=True, purpose="marketing"))
@example(case=Case(dedupe="used", sent_today=3))
@example(case=Case(dedupe="new"))
@example(case=Case(purpose="legal", consent=False, sent_today=3, hour=22, unsubscribed=""))
@example(case=Case(purpose="legal", phone=False, email=True, wechat=True))
@example(case=Case(purpose="legal", phone=False))
@example(case=Case(purpose="legal", channel="email"))
def test_send_and_send_many_of_one_log_the_same_message(case, django_capture_on_commit_callbacks):
    moment = dt.datetime(2026, 3, 2, case.hour, 30, tzinfo=SHANGHAI)
    with clock.frozen_at(moment), transaction.atomic():
        customer = _given(case, moment)
        decided, by_send = _by_send(customer, case, django_capture_on_commit_callbacks)
        tally, by_send_many = _by_send_many(customer, case, django_capture_on_commit_callbacks)
        transaction.set_rollback(True)
    assert by_send_many == by_send
    assert tally == {decided: 1}
