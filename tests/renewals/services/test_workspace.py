"""The seat's work under the law: calling hours, do-not-call across channels, consent,
attempt caps, recordings, one holder per task, idempotent outcomes, no double renewal, and
见费出单: an accepted quote is a proposal the customer pays before anything is issued."""

import datetime as dt
from decimal import Decimal

import pytest

from carecircle.core import clock
from carecircle.core.errors import DomainError
from carecircle.core.roles import Role
from carecircle.notify.models import Message
from carecircle.policies.models import Policy, Proposal
from carecircle.policies.proposals import expire_due
from carecircle.renewals.choices import Stage, Status
from carecircle.renewals.models import ComplianceBlock, Contact, RenewalTask
from carecircle.renewals.services import acceptance, workspace
from carecircle.renewals.services.pipeline import run_pipeline
from tests.factories import CustomerFactory, PolicyFactory, UserFactory
from tests.policies.proposal_setup import pay
from tests.renewals.conftest import AS_OF, at, expiring, make_seat

pytestmark = pytest.mark.django_db
CONNECTS = "carecircle.renewals.cti.AlwaysConnects"
NEVER = "carecircle.renewals.cti.NeverConnects"


@pytest.fixture
def seat(today):
    return make_seat("seat1")


@pytest.fixture
def task_for(seat):
    def _make(days=35, **kwargs):
        lead = expiring(days, **kwargs)
        run_pipeline()
        return RenewalTask.objects.get(policy=lead)

    return _make


def refused(fn, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as info:
        fn(*args, **kwargs)
    return info.value


def test_a_call_at_21_05_is_blocked_with_the_hours_and_logged(seat, task_for):
    task = task_for()
    with clock.frozen_at(at(AS_OF, 21, 5)):
        error = refused(workspace.place_call, task, seat)
    assert error.code == "calling_hours"
    assert "21:05" in error.message and "09:00–21:00" in error.message
    block = ComplianceBlock.objects.get()
    assert (block.rule, block.by, block.task) == ("calling_hours", seat, task)
    assert Contact.objects.count() == 0
    task.refresh_from_db()
    assert task.attempts == 0


def test_shenzhen_calls_end_at_20_00_and_xinjiang_keeps_its_own_clock(seat, task_for):
    shenzhen = task_for(
        customer=CustomerFactory(city="深圳市", province="广东省", marketing_consent=True)
    )
    with clock.frozen_at(at(AS_OF, 20, 30)):
        assert refused(workspace.place_call, shenzhen, seat).code == "calling_hours"
    urumqi = task_for(
        customer=CustomerFactory(
            city="乌鲁木齐市", province="新疆维吾尔自治区", marketing_consent=True
        )
    )
    with clock.frozen_at(at(AS_OF, 9, 30)):  # 07:30 in Urumqi
        error = refused(workspace.place_call, urumqi, seat)
    assert error.code == "calling_hours" and "07:30" in error.message


def test_no_call_more_than_40_days_before_expiry_unless_the_customer_asked(seat, task_for):
    task = task_for(days=41)
    error = refused(workspace.place_call, task, seat)
    assert error.code == "too_early"
    assert str(AS_OF + dt.timedelta(days=1)) in error.message


def test_no_call_without_marketing_consent(seat, task_for):
    task = task_for(consent=False)
    assert refused(workspace.place_call, task, seat).code == "no_consent"


def test_refusal_puts_the_customer_on_do_not_call_for_six_months_across_channels(
    seat, task_for, settings
):
    settings.CARECIRCLE_CTI = CONNECTS
    task = task_for()
    other_vehicle = task_for(customer=task.customer)
    contact = workspace.place_call(task, seat)
    workspace.record_outcome(task, seat, "refused", idempotency_key="k1", contact=contact)
    task.customer.refresh_from_db()
    assert task.customer.do_not_call_until == dt.date(2026, 11, 1)
    # The same customer's other renewal, and any channel, is now blocked.
    other_vehicle.refresh_from_db()
    assert refused(workspace.place_call, other_vehicle, seat).code == "do_not_call"
    task.refresh_from_db()
    assert (task.status, task.stage) == (Status.REFUSED, Stage.DONE)


def test_at_most_three_unanswered_attempts_a_day(seat, task_for, settings):
    settings.CARECIRCLE_CTI = NEVER
    task = task_for()
    for minute in (0, 10, 20):
        with clock.frozen_at(at(AS_OF, 11, minute)):
            contact = workspace.place_call(task, seat)
            assert contact.connected is False
    with clock.frozen_at(at(AS_OF, 11, 30)):
        assert refused(workspace.place_call, task, seat).code == "daily_attempts"
    with clock.frozen_at(at(AS_OF + dt.timedelta(days=1), 10)):
        assert workspace.place_call(task, seat).connected is False  # a new day


def test_at_most_m_attempts_per_renewal(seat, task_for, settings):
    settings.CARECIRCLE_CTI = NEVER
    settings.CARECIRCLE = {
        **settings.CARECIRCLE,
        "RENEWALS": {"attempts_per_renewal": 2, "contact_cap": 99},
    }
    task = task_for()
    workspace.place_call(task, seat)
    workspace.place_call(task, seat)
    assert refused(workspace.place_call, task, seat).code == "renewal_attempts"


def test_contacts_from_every_channel_count_against_one_cap(seat, task_for, settings):
    settings.CARECIRCLE_CTI = CONNECTS
    settings.CARECIRCLE = {
        **settings.CARECIRCLE,
        "RENEWALS": {"contact_cap": 2, "contact_cap_days": 7},
    }
    task = task_for()
    agent = UserFactory(username="a1", role=Role.SALES_AGENT)
    Contact.objects.create(
        task=task,
        customer=task.customer,
        channel="agent",
        by=agent,
        at=clock.now() - dt.timedelta(days=2),
        outcome="quoted",
        connected=True,
        idempotency_key="agent-visit",
    )
    workspace.place_call(task, seat)
    error = refused(workspace.place_call, task, seat)
    assert error.code == "contact_cap" and "2" in error.message


def test_a_connected_outcome_needs_the_recording(seat, task_for, settings):
    settings.CARECIRCLE_CTI = NEVER
    task = task_for()
    contact = workspace.place_call(task, seat)
    error = refused(
        workspace.record_outcome, task, seat, "quoted", idempotency_key="q", contact=contact
    )
    assert error.code in {"no_recording", "no_quote"}
    error = refused(
        workspace.record_outcome,
        task,
        seat,
        "callback",
        idempotency_key="c",
        contact=contact,
        callback_at=clock.now() + dt.timedelta(hours=2),
    )
    assert error.code == "no_recording"
    assert ComplianceBlock.objects.filter(rule="no_recording").count() == 1


def test_an_outcome_posted_twice_is_recorded_once(seat, task_for, settings):
    settings.CARECIRCLE_CTI = CONNECTS
    task = task_for()
    contact = workspace.place_call(task, seat)
    when = clock.now() + dt.timedelta(days=1)
    first = workspace.record_outcome(
        task, seat, "callback", idempotency_key="same", contact=contact, callback_at=when
    )
    again = workspace.record_outcome(
        task, seat, "callback", idempotency_key="same", contact=contact, callback_at=when
    )
    assert first.pk == again.pk
    assert Contact.objects.filter(task=task).count() == 1
    task.refresh_from_db()
    assert (task.status, task.due_at, task.customer_asked) == (Status.CALLBACK, when, True)


def test_two_seats_opening_one_task_the_second_is_told_who_has_it(seat, task_for):
    task = task_for()
    other = make_seat("seat2")
    workspace.open_task(task, seat)
    # e.g. just reassigned while the first seat still has it open
    RenewalTask.objects.filter(pk=task.pk).update(assignee=other)
    task.refresh_from_db()
    error = refused(workspace.open_task, task, other)
    assert error.status == 409
    assert "seat1" in error.message and "10:15" in error.message
    with clock.frozen_at(at(AS_OF, 10, 16)):
        assert workspace.open_task(task, other).locked_by == other


def test_a_seat_cannot_work_someone_elses_renewal(seat, task_for):
    task = task_for()
    other = make_seat("seat2")
    assert refused(workspace.place_call, task, other).code == "not_assignee"


def test_accepted_makes_a_proposal_and_only_the_payment_issues_linked_successors_once(
    seat, task_for, settings, django_capture_on_commit_callbacks
):
    """见费出单: "accepted" writes no policy; it makes a proposal from the quote and sends the
    payment link; the payment issues the successors and closes the renewal as renewed."""
    settings.CARECIRCLE_CTI = CONNECTS
    task = task_for()
    contact = workspace.place_call(task, seat)
    workspace.make_quote(task, seat)
    with django_capture_on_commit_callbacks(execute=True):
        workspace.record_outcome(task, seat, "accepted", idempotency_key="r1", contact=contact)
    assert not Policy.objects.filter(renews=task.policy).exists()
    task.refresh_from_db()
    assert (task.status, task.stage, task.successor) == (
        Status.AWAITING_PAYMENT,
        Stage.TELESALES,
        None,
    )
    proposal = task.proposal
    assert (proposal.status, proposal.premium, proposal.agent) == (
        "awaiting_payment",
        Decimal("3255.00"),
        seat,
    )
    link = Message.objects.get(kind="payment_link")
    assert (link.purpose, link.customer_id) == ("service", task.customer_id)
    assert f"/pay/{proposal.pay_token}/" in link.body
    # The same post again is a no-op, not a second proposal.
    workspace.record_outcome(task, seat, "accepted", idempotency_key="r1", contact=contact)
    assert Proposal.objects.count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        assert pay(proposal).outcome == "issued"
    successor = Policy.objects.get(renews=task.policy)
    assert successor.effective_date == task.expiry_date
    assert successor.expiry_date == task.expiry_date.replace(year=task.expiry_date.year + 1)
    assert successor.premium == Decimal("2400.00") and successor.channel == "telesales"
    assert Policy.objects.get(renews=task.companion).premium == Decimal("855.00")
    task.refresh_from_db()
    assert (task.status, task.stage, task.successor, task.renewed_by) == (
        Status.RENEWED,
        Stage.DONE,
        successor,
        seat,
    )


def test_a_seat_cannot_record_renewed_without_a_payment(seat, task_for, settings):
    settings.CARECIRCLE_CTI = CONNECTS
    task = task_for()
    contact = workspace.place_call(task, seat)
    workspace.make_quote(task, seat)
    error = refused(
        workspace.record_outcome, task, seat, "renewed", idempotency_key="r0", contact=contact
    )
    assert error.code == "renewed_needs_payment"
    assert not Policy.objects.filter(renews=task.policy).exists()


def test_a_policy_already_renewed_elsewhere_is_detected_not_duplicated(seat, task_for, settings):
    settings.CARECIRCLE_CTI = CONNECTS
    task = task_for()
    contact = workspace.place_call(task, seat)
    workspace.make_quote(task, seat)
    PolicyFactory(
        vehicle=task.policy.vehicle,
        renews=task.policy,
        channel="four_s_shop",
        policy_no="P-4S-RENEWED",
        effective_date=task.expiry_date,
        expiry_date=task.expiry_date + dt.timedelta(days=365),
    )
    error = refused(
        workspace.record_outcome, task, seat, "accepted", idempotency_key="r2", contact=contact
    )
    assert error.code == "already_renewed" and "P-4S-RENEWED" in error.message
    assert Policy.objects.filter(renews=task.policy).count() == 1
    assert not Proposal.objects.exists()


def test_an_unpaid_offer_expires_and_the_renewal_returns_to_the_seats_queue(
    seat, task_for, settings, django_capture_on_commit_callbacks
):
    settings.CARECIRCLE_CTI = CONNECTS
    task = task_for()
    contact = workspace.place_call(task, seat)
    workspace.make_quote(task, seat)
    workspace.record_outcome(task, seat, "accepted", idempotency_key="r3", contact=contact)
    later = at(AS_OF + dt.timedelta(days=7), 10, 1)
    with clock.frozen_at(later), django_capture_on_commit_callbacks(execute=True):
        assert expire_due() == 1
    task.refresh_from_db()
    assert (task.status, task.stage, task.due_at, task.assignee) == (
        Status.QUOTED,
        Stage.TELESALES,
        later,
        seat,
    )
    assert task.proposal.status == "expired"


def test_the_seat_resends_the_link_or_cancels_the_offer(
    seat, task_for, settings, django_capture_on_commit_callbacks
):
    settings.CARECIRCLE_CTI = CONNECTS
    task = task_for()
    contact = workspace.place_call(task, seat)
    workspace.make_quote(task, seat)
    with django_capture_on_commit_callbacks(execute=True):
        workspace.record_outcome(task, seat, "accepted", idempotency_key="r4", contact=contact)
    task.refresh_from_db()
    acceptance.resend_link(task, seat)
    assert Message.objects.filter(kind="payment_link").count() == 2
    acceptance.withdraw(task, seat, "wrong quote")
    task.refresh_from_db()
    assert (task.status, task.proposal.status, task.proposal.close_reason) == (
        Status.QUOTED,
        "cancelled",
        "wrong quote",
    )
    assert refused(acceptance.resend_link, task, seat).code == "no_open_proposal"


def test_lost_needs_a_reason_and_keeps_competitor_and_price(seat, task_for, settings):
    settings.CARECIRCLE_CTI = CONNECTS
    task = task_for()
    contact = workspace.place_call(task, seat)
    assert (
        refused(
            workspace.record_outcome, task, seat, "lost", idempotency_key="l0", contact=contact
        ).code
        == "lost_reason"
    )
    workspace.record_outcome(
        task,
        seat,
        "lost",
        idempotency_key="l1",
        contact=contact,
        lost_reason="price",
        competitor="平安",
        competitor_price=Decimal("3100.00"),
    )
    task.refresh_from_db()
    assert (task.status, task.lost_reason, task.competitor, task.competitor_price) == (
        Status.LOST,
        "price",
        "平安",
        Decimal("3100.00"),
    )


def test_a_compulsory_only_renewal_leaves_the_commercial_to_win_and_is_not_counted_renewed(
    seat, task_for, settings, django_capture_on_commit_callbacks
):
    """交强险 renewed alone (DOMAIN.md: renewable alone) renews only the 交强险: the renewal stays
    open in the seat's queue for the 商业险, with no successor, and a later acceptance offers the
    商业险 without the 交强险 again (a reviewer found the whole task closed as renewed)."""
    settings.CARECIRCLE_CTI = CONNECTS
    task = task_for()
    contact = workspace.place_call(task, seat)
    workspace.make_quote(task, seat, compulsory_only=True)
    with django_capture_on_commit_callbacks(execute=True):
        workspace.record_outcome(task, seat, "accepted", idempotency_key="c1", contact=contact)
        assert pay(RenewalTask.objects.get(pk=task.pk).proposal).outcome == "issued"
    assert Policy.objects.get(renews=task.companion).premium == Decimal("855.00")
    assert not Policy.objects.filter(renews=task.policy).exists()
    task.refresh_from_db()
    assert (task.status, task.successor, task.closed_at) == (Status.QUOTED, None, None)

    contact = workspace.place_call(task, seat)
    workspace.make_quote(task, seat)
    with django_capture_on_commit_callbacks(execute=True):
        workspace.record_outcome(task, seat, "accepted", idempotency_key="c2", contact=contact)
    task.refresh_from_db()
    assert [line.renews_id for line in task.proposal.lines.all()] == [task.policy_id]
    assert task.proposal.premium == Decimal("2400.00")
    with django_capture_on_commit_callbacks(execute=True):
        assert pay(task.proposal).outcome == "issued"
    task.refresh_from_db()
    assert (task.status, task.successor) == (Status.RENEWED, Policy.objects.get(renews=task.policy))
