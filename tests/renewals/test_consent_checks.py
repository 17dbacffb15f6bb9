"""A renewal call is telemarketing: it needs the customer's consent to marketing by phone call
(parties.consent) — SMS or WeChat consent does not open the phone — and a customer whose
processing is restricted is not called for a sale at all; a call-back the customer asked for
is theirs, not marketing."""

import datetime as dt

import pytest

from carecircle.core import clock
from carecircle.core.errors import DomainError
from carecircle.parties import consent
from carecircle.parties.models import Customer
from carecircle.renewals import rules, selectors
from carecircle.renewals.conf import renewal_settings
from carecircle.renewals.models import RenewalTask
from carecircle.renewals.services import workspace
from carecircle.renewals.services.pipeline import run_pipeline
from tests.factories import CustomerFactory
from tests.renewals.conftest import expiring, make_seat

pytestmark = pytest.mark.django_db


@pytest.fixture
def seat(today):
    return make_seat("seat1")


@pytest.fixture
def task_for(seat):
    def _make(*channels: str, restricted: bool = False) -> RenewalTask:
        customer = CustomerFactory()
        for channel in channels:
            consent.grant(customer, "marketing", channel=channel, source="import", acting_user=None)
        if restricted:
            Customer.objects.filter(pk=customer.pk).update(restricted_at=clock.now())
        lead = expiring(35, customer=customer)
        run_pipeline()
        task = RenewalTask.objects.select_related("customer").get(policy=lead)
        task.assignee = seat
        task.save(update_fields=["assignee"])
        return task

    return _make


def _rules_broken(task: RenewalTask) -> list[str]:
    conf = renewal_settings()
    return [v.rule for v in selectors.call_violations(task, task.customer, clock.now(), conf)]


def test_phone_marketing_consent_opens_the_call(task_for):
    assert "no_consent" not in _rules_broken(task_for("phone"))


def test_sms_and_wechat_consent_do_not_open_a_marketing_call(task_for, seat):
    task = task_for("sms", "wechat", "email")
    assert "no_consent" in _rules_broken(task)
    with pytest.raises(DomainError) as refused:
        workspace.place_call(task, seat)
    assert refused.value.code == "no_consent"
    assert "电话" in refused.value.message and "by phone call" in refused.value.message


def test_a_restricted_customer_is_not_called_even_with_phone_consent(task_for, seat):
    task = task_for("phone", restricted=True)
    with pytest.raises(DomainError) as refused:
        workspace.place_call(task, seat)
    assert refused.value.code == "no_consent"
    assert "restricted" in refused.value.message


def test_a_withdrawal_on_the_phone_page_stops_the_next_call(task_for):
    task = task_for("phone")
    consent.withdraw(task.customer, "marketing", channel="phone", source="import", acting_user=None)
    assert "no_consent" in _rules_broken(task)


def test_the_queue_puts_customers_who_may_not_be_called_by_phone_last(task_for, seat):
    sms_only = task_for("sms")
    phone = task_for("phone")
    restricted = task_for("phone", restricted=True)
    RenewalTask.objects.filter(pk__in=[sms_only.pk, restricted.pk]).update(priority=99)
    RenewalTask.objects.filter(pk=phone.pk).update(priority=1)
    order = [t.pk for t in selectors.queue(seat, clock.now())]
    assert order.index(phone.pk) < order.index(sms_only.pk)
    assert order.index(phone.pk) < order.index(restricted.pk)


@pytest.mark.parametrize(
    ("phone_consent", "restricted", "asked", "expected"),
    [
        (True, False, False, []),
        (False, False, False, ["no_consent"]),
        (True, True, False, ["no_consent"]),
        (False, True, True, []),  # a call-back the customer asked for
        (False, False, True, []),
    ],
)
def test_the_rule_needs_phone_consent_and_no_restriction_unless_the_customer_asked(
    phone_consent, restricted, asked, expected, today
):
    customer = Customer(
        province="浙江", city="杭州", restricted_at=clock.now() if restricted else None
    )
    task = RenewalTask(customer_asked=asked, expiry_date=today + dt.timedelta(days=30), attempts=0)
    found = rules.violations(
        task, customer, clock.now(), renewal_settings(),
        unanswered_today=0, recent_contacts=0, phone_consent=phone_consent,
    )  # fmt: skip
    assert [v.rule for v in found] == expected
