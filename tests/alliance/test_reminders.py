"""Expiry reminders: one mechanism sends them — the ecosystem's ``voucher_expiring`` rule,
through notify (consent, unsubscribe, caps, quiet hours, the log) — once per voucher; the
alliance's nightly work sends none."""

import datetime as dt

import pytest

from carecircle.alliance import tasks
from carecircle.core import clock
from carecircle.ecosystem import conf as ecosystem_conf
from carecircle.ecosystem import reminders
from carecircle.notify.models import Message, Unsubscribe
from tests.factories import CustomerFactory
from tests.factories.alliance import ProductFactory, VoucherFactory

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 3, 2)
TEN = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))  # not quiet hours


def run_rule():
    with clock.frozen_at(TEN):
        return reminders.run(DAY, ["voucher_expiring"])


@pytest.fixture
def ending():
    """The last day that is reminded about today, and a car wash product."""
    lead = ecosystem_conf.get("VOUCHER_LEAD_DAYS")
    return DAY + dt.timedelta(days=lead), ProductFactory()


def test_an_unused_voucher_ending_within_the_lead_time_is_reminded_once(ending):
    last_day, wash = ending
    customer = CustomerFactory(marketing_consent=True)
    due = VoucherFactory(customer=customer, product=wash, valid_until=last_day)
    VoucherFactory(customer=customer, product=wash, valid_until=last_day, status="redeemed")
    VoucherFactory(customer=customer, product=wash, valid_until=last_day, status="cancelled")
    VoucherFactory(customer=customer, product=wash, valid_until=last_day + dt.timedelta(days=1))
    assert run_rule().counts == {"voucher_expiring": {"queued": 1}}
    message = Message.objects.get()
    assert (message.kind, message.customer_id, message.dedupe_key) == (
        "voucher_expiring",
        customer.pk,
        f"voucher:{due.code}:expiring",
    )
    assert str(last_day) in message.body and "精洗" in message.body
    run_rule()  # the nightly run again (a retry, a second cron): nothing new
    assert Message.objects.count() == 1


def test_a_missed_night_or_a_short_voucher_is_still_reminded_and_only_once(ending):
    """Vouchers ending any day from today to the lead time are due, not only on the exact day."""
    _last_day, wash = ending
    customer = CustomerFactory(marketing_consent=True)
    VoucherFactory(customer=customer, product=wash, valid_until=DAY)  # the last day is today
    VoucherFactory(customer=customer, product=wash, valid_until=DAY + dt.timedelta(days=3))
    VoucherFactory(customer=customer, product=wash, valid_until=DAY - dt.timedelta(days=1))
    assert run_rule().counts == {"voucher_expiring": {"queued": 2}}
    with clock.frozen_at(TEN + dt.timedelta(days=1)):
        reminders.run(DAY + dt.timedelta(days=1), ["voucher_expiring"])
    assert Message.objects.count() == 2  # the next night: the same vouchers, no new message


def test_without_marketing_consent_there_is_no_expiry_reminder(ending):
    """The issue: reminders before expiry "with consent"."""
    last_day, wash = ending
    VoucherFactory(customer=CustomerFactory(marketing_consent=False), product=wash,
                   valid_until=last_day)  # fmt: skip
    counts = run_rule().counts["voucher_expiring"]
    assert "queued" not in counts and sum(counts.values()) == 1
    assert Message.objects.get().status == "blocked"


def test_a_customer_who_opted_out_is_not_reminded(ending):
    last_day, wash = ending
    customer = CustomerFactory(marketing_consent=True)
    for purpose in ("service", "marketing"):  # opted out of every message purpose
        Unsubscribe.objects.create(customer=customer, purpose=purpose, at=TEN)
    VoucherFactory(customer=customer, product=wash, valid_until=last_day)
    assert run_rule().counts == {"voucher_expiring": {"unsubscribed": 1}}
    assert Message.objects.get().status == "blocked"


def test_the_alliance_nightly_work_sends_no_reminder(ending):
    last_day, wash = ending
    VoucherFactory(customer=CustomerFactory(marketing_consent=True), product=wash,
                   valid_until=last_day)  # fmt: skip
    result = tasks.nightly_alliance_task.call(DAY.isoformat())
    assert (result["inserted"], result["expired"]) == (0, 0)
    assert Message.objects.count() == 0
    assert not hasattr(tasks, "reminders_due")  # the old duplicate listing is gone
