"""The legal notices reach the customer through notify with the legal purpose: the one notice
listing the missing documents (Art 22) and the rejection notice with the written reasons
(Art 24), one message per claim and round, after the commit. A service unsubscribe does not
stop them, and the clock stops only on a recorded dispatch (``Event.LEGAL_NOTICE_DISPATCHED``
→ ``notices.record_dispatch``): a notice still waiting for its letter keeps the clock running."""

import datetime as dt

import pytest

from carecircle.claims import services
from carecircle.claims.choices import Action, ClaimStatus, ClockState
from carecircle.claims.models import Claim, ClaimTransition
from carecircle.claims.services import notices
from carecircle.core import clock
from carecircle.core.errors import DomainError
from carecircle.core.roles import Role
from carecircle.notify.models import Message, Unsubscribe
from tests.factories.claims import TODAY, at, committed, policy_with_cover, staff
from tests.factories.core import UserFactory

pytestmark = pytest.mark.django_db
S = ClaimStatus
DOCS = "驾驶证、行驶证、维修发票"
REASONS = "酒后驾驶，属责任免除"
LATER = TODAY + dt.timedelta(days=5)


@pytest.fixture
def people():
    return staff()


def registered_claim(handler, policy=None):
    with committed():
        claim = services.report_claim(
            acting_user=handler, policy=policy or policy_with_cover(), accident_at=at(1, 15)
        )
    for action in (Action.DISPATCH, Action.SURVEY, Action.REGISTER):
        claim = services.transition(claim, action, acting_user=handler)
    return claim


def reject(claim, approver):
    with committed():
        services.transition(claim, Action.REJECT, acting_user=approver, reason=REASONS)
    return Claim.objects.get(pk=claim.pk)


def request_documents(claim, handler, reason=DOCS):
    with committed():
        services.transition(claim, Action.REQUEST_DOCUMENTS, acting_user=handler, reason=reason)
    return Claim.objects.get(pk=claim.pk)


def test_art22_one_legal_notice_lists_the_documents_and_the_clock_pauses_from_its_dispatch(
    today, people
):
    claim = request_documents(registered_claim(people["handler"]), people["handler"])
    message = Message.objects.get(kind="claim_documents_requested")
    assert message.customer_id == claim.policy.customer_id
    assert message.purpose == "legal" and message.channel == "sms"
    assert message.status == "sent" and message.dedupe_key == f"claim:{claim.pk}:documents:0"
    assert f"您的赔案{claim.claim_no}还需补充以下材料（一次性告知）：{DOCS}。" in message.body
    # The dispatch recorded: the 30-day clock waits on the customer from that moment.
    assert claim.waiting_since == message.sent_at == TODAY
    assert claim.clock_state == ClockState.PAUSED
    # A retried callback (a second worker, a replay) records nothing more.
    assert notices.send_documents_notice(claim.pk).pk == message.pk
    assert Message.objects.filter(kind="claim_documents_requested").count() == 1


def test_a_step_that_rolls_back_sends_no_notice(today, people):
    claim = registered_claim(people["handler"])
    services.transition(claim, Action.REQUEST_DOCUMENTS, acting_user=people["handler"], reason=DOCS)
    # Without a commit the on-commit callback never ran: no message, no pause.
    assert Message.objects.filter(kind="claim_documents_requested").count() == 0
    assert Claim.objects.get(pk=claim.pk).waiting_since is None


def test_art24_rejection_notice_goes_despite_a_service_unsubscribe_and_stops_the_3_day_clock(
    today, people
):
    claim = registered_claim(people["handler"])
    Unsubscribe.objects.create(
        customer=claim.policy.customer, purpose="service", channel="", at=TODAY
    )
    claim = reject(claim, people["approver"])
    message = Message.objects.get(kind="claim_rejected")
    assert (message.purpose, message.status) == ("legal", "sent")
    assert message.dedupe_key == f"claim:{claim.pk}:rejection_notice:0"
    assert f"您的赔案{claim.claim_no}不予赔付，理由：{REASONS}。" in message.body
    assert claim.status == S.REJECTED and claim.rejection_notice_at == message.sent_at == TODAY
    assert (claim.due_on, claim.due_clock) == (None, "")
    event = ClaimTransition.objects.get(claim=claim, action="rejection_notice")
    assert event.actor is None and event.data["message"] == message.pk
    # Retried: one message, the stamp unchanged; the handler's tick is no longer needed.
    assert notices.send_rejection_notice(claim.pk, 0).pk == message.pk
    assert Message.objects.filter(kind="claim_rejected").count() == 1
    assert ClaimTransition.objects.filter(claim=claim, action="rejection_notice").count() == 1
    with pytest.raises(DomainError) as e:
        services.transition(claim, Action.REJECTION_NOTICE, acting_user=people["handler"])
    assert e.value.code == "notice_sent"


def test_a_notice_waiting_for_its_letter_keeps_the_clock_running_until_the_letter_is_posted(
    today, people
):
    from carecircle.notify.services import record_letter_posted

    policy = policy_with_cover()
    customer = policy.customer
    customer.set_phone("")
    customer.email = ""
    customer.save()
    claim = reject(registered_claim(people["handler"], policy), people["approver"])
    message = Message.objects.get(kind="claim_rejected")
    assert message.status != "sent"
    # Not dispatched: the 3-day clock runs (Fri 6 Mar would be day 3 from Mon 2 Mar → Thu 5).
    assert claim.rejection_notice_at is None
    assert (claim.due_clock, claim.due_on) == ("rejection_notice", dt.date(2026, 3, 5))
    clerk = UserFactory(username="clerk", role=Role.MANAGER)
    with committed():
        record_letter_posted(message.letter, tracking_no="EMS123", acting_user=clerk)
    claim.refresh_from_db()
    assert claim.rejection_notice_at == TODAY and claim.due_on is None


def test_a_reopened_and_rejected_again_claim_gets_a_notice_for_the_new_round(today, people):
    handler, approver = people["handler"], people["approver"]
    claim = reject(registered_claim(handler), approver)
    claim = services.transition(claim, Action.REOPEN, acting_user=handler, reason="客户申诉")
    assert claim.rejection_notice_at is None and claim.reopened_at == TODAY
    # A stale callback of round 0 arriving now sends nothing and stops nothing.
    assert notices.send_rejection_notice(claim.pk, 0) is None
    assert not notices.record_dispatch(0, f"claim:{claim.pk}:rejection_notice:0", TODAY)
    claim = reject(claim, approver)
    keys = list(
        Message.objects.filter(kind="claim_rejected")
        .order_by("pk")
        .values_list("dedupe_key", flat=True)
    )
    assert keys == [f"claim:{claim.pk}:rejection_notice:0", f"claim:{claim.pk}:rejection_notice:1"]
    assert claim.rejection_notice_at == TODAY


def test_a_reopened_claim_may_send_one_new_documents_notice_for_what_the_reopening_needs(
    today, people
):
    handler, approver = people["handler"], people["approver"]
    claim = request_documents(registered_claim(handler), handler)
    with pytest.raises(DomainError) as e:
        services.transition(claim, Action.REQUEST_DOCUMENTS, acting_user=handler, reason="还缺")
    assert e.value.code == "one_notice"
    claim = services.transition(claim, Action.DOCUMENTS_COMPLETE, acting_user=handler)
    claim = reject(claim, approver)
    with clock.frozen_at(LATER):
        claim = services.transition(claim, Action.REOPEN, acting_user=handler, reason="新证据")
        claim = request_documents(claim, handler, reason="交警事故认定书")
    keys = list(
        Message.objects.filter(kind="claim_documents_requested")
        .order_by("pk")
        .values_list("dedupe_key", flat=True)
    )
    assert keys == [f"claim:{claim.pk}:documents:0", f"claim:{claim.pk}:documents:1"]
    assert claim.documents_requested == "交警事故认定书" and claim.waiting_since == LATER
    with clock.frozen_at(LATER), pytest.raises(DomainError) as e:  # still one per round
        services.transition(claim, Action.REQUEST_DOCUMENTS, acting_user=handler, reason="再补")
    assert e.value.code == "one_notice"


def test_a_dispatch_is_recorded_once_and_only_for_a_key_of_ours(today, people):
    claim = registered_claim(people["handler"])
    claim = services.transition(
        claim, Action.REQUEST_DOCUMENTS, acting_user=people["handler"], reason=DOCS
    )  # not committed: notify never ran, the dispatch is simulated
    later = TODAY + dt.timedelta(days=1)
    assert not notices.record_dispatch(1, "renewal:9:reminder", later)
    assert not notices.record_dispatch(1, f"claim:{claim.pk}:documents:x", later)
    assert notices.record_dispatch(1, f"claim:{claim.pk}:documents:0", later)
    assert not notices.record_dispatch(1, f"claim:{claim.pk}:documents:0", later)
    claim.refresh_from_db()
    assert claim.waiting_since == later and claim.clock_state == ClockState.PAUSED
