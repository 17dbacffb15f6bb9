"""The legal notices reach the customer through notify: the one notice listing the missing
documents (Art 22) and the rejection notice with the written reasons (Art 24), one message per
claim and round, after the commit; a blocked notice is logged and leaves the 3-day clock
running for the handler's manual tick."""

import pytest

from carecircle.claims import services
from carecircle.claims.choices import Action, ClaimStatus
from carecircle.claims.models import Claim, ClaimTransition
from carecircle.claims.services import notices
from carecircle.core.errors import DomainError
from carecircle.notify.models import Message, Unsubscribe
from tests.factories.claims import TODAY, at, committed, policy_with_cover, staff

pytestmark = pytest.mark.django_db
S = ClaimStatus
DOCS = "驾驶证、行驶证、维修发票"
REASONS = "酒后驾驶，属责任免除"


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


def test_art22_one_notice_sends_one_message_listing_the_missing_documents(today, people):
    claim = registered_claim(people["handler"])
    with committed():
        services.transition(
            claim, Action.REQUEST_DOCUMENTS, acting_user=people["handler"], reason=DOCS
        )
    message = Message.objects.get(kind="claim_documents_requested")
    assert message.customer_id == claim.policy.customer_id
    assert message.purpose == "service" and message.channel == "sms"
    assert message.status == "sent" and message.dedupe_key == f"claim:{claim.claim_no}:docs:0"
    assert message.subject == "理赔补充材料通知 / Documents needed for your claim"
    assert f"您的赔案{claim.claim_no}还需补充以下材料（一次性告知）：{DOCS}。" in message.body
    assert f"Claim {claim.claim_no}: please send these documents" in message.body
    # A retried callback (a second worker, a replay) records nothing more.
    assert notices.send_documents_notice(claim.pk).pk == message.pk
    assert Message.objects.filter(kind="claim_documents_requested").count() == 1


def test_a_step_that_rolls_back_sends_no_notice(today, people):
    claim = registered_claim(people["handler"])
    services.transition(claim, Action.REQUEST_DOCUMENTS, acting_user=people["handler"], reason=DOCS)
    # Without a commit the on-commit callback never ran: no message.
    assert Message.objects.filter(kind="claim_documents_requested").count() == 0


def test_art24_rejection_notice_carries_the_reasons_and_stops_the_3_day_clock(today, people):
    claim = registered_claim(people["handler"])
    claim = reject(claim, people["approver"])
    message = Message.objects.get(kind="claim_rejected")
    assert message.status == "sent" and message.dedupe_key == f"claim:{claim.claim_no}:reject:0"
    assert message.subject == "拒赔通知书 / Your claim was declined"
    assert f"您的赔案{claim.claim_no}不予赔付，理由：{REASONS}。" in message.body
    assert f"declined for these reasons: {REASONS}." in message.body
    # The clock reflects the notice actually recorded, at its time.
    assert claim.status == S.REJECTED and claim.rejection_notice_at == TODAY
    assert (claim.due_on, claim.due_clock) == (None, "")
    event = ClaimTransition.objects.get(claim=claim, action="rejection_notice")
    assert event.actor is None and event.data["message"] == message.pk
    assert event.data["channel"] == "sms"
    # Retried: one message, the stamp unchanged; the handler's tick is no longer needed.
    assert notices.send_rejection_notice(claim.pk, 0).pk == message.pk
    assert Message.objects.filter(kind="claim_rejected").count() == 1
    assert ClaimTransition.objects.filter(claim=claim, action="rejection_notice").count() == 1
    with pytest.raises(DomainError) as e:
        services.transition(claim, Action.REJECTION_NOTICE, acting_user=people["handler"])
    assert e.value.code == "notice_sent"


def test_a_blocked_rejection_notice_is_logged_and_the_handler_ticks_it_by_hand(today, people):
    claim = registered_claim(people["handler"])
    Unsubscribe.objects.create(
        customer=claim.policy.customer, purpose="service", channel="", at=TODAY
    )
    claim = reject(claim, people["approver"])
    message = Message.objects.get(kind="claim_rejected")
    assert (message.status, message.block_reason) == ("blocked", "unsubscribed")
    assert REASONS in message.body
    # Not given: the 3-day clock keeps running (2026-03-02 + 3 business days).
    assert claim.rejection_notice_at is None
    assert (claim.due_clock, str(claim.due_on)) == ("rejection_notice", "2026-03-05")
    assert not ClaimTransition.objects.filter(claim=claim, action="rejection_notice").exists()
    claim = services.transition(claim, Action.REJECTION_NOTICE, acting_user=people["handler"])
    assert claim.rejection_notice_at == TODAY and claim.due_on is None
    assert Message.objects.filter(kind="claim_rejected").count() == 1


def test_a_reopened_and_rejected_again_claim_gets_a_notice_for_the_new_round(today, people):
    handler, approver = people["handler"], people["approver"]
    claim = reject(registered_claim(handler), approver)
    claim = services.transition(claim, Action.REOPEN, acting_user=handler, reason="客户申诉")
    assert claim.rejection_notice_at is None
    # A stale callback of round 0 arriving now changes nothing.
    assert notices.send_rejection_notice(claim.pk, 0) is None
    claim = reject(claim, approver)
    keys = list(
        Message.objects.filter(kind="claim_rejected")
        .order_by("pk")
        .values_list("dedupe_key", flat=True)
    )
    assert keys == [f"claim:{claim.claim_no}:reject:0", f"claim:{claim.claim_no}:reject:1"]
    assert claim.rejection_notice_at == TODAY
