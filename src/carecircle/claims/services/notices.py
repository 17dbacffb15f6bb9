"""The legal notices a claim sends the customer through ``notify.send`` (docs/claims.md):

- the one notice for missing documents (一次性告知, Insurance Law Art 22), listing them;
- the rejection notice with the written reasons (拒赔通知书, Art 24, within 3 business days).

``workflow.transition`` queues them with ``transaction.on_commit(…, robust=True)``: a rolled back
step sends nothing and a notify failure after the commit is logged, never turned into an error
on a decision already saved. Each notice has a dedupe key per claim and round, so a retried
callback or a second worker records one message. When the rejection notice is recorded as
going (queued, deferred to the end of quiet hours, or sent) the claim's
``rejection_notice_at`` is set to that moment and the 3-day clock stops; when notify blocks it
(no address, unsubscribed, cap) the message is still logged, the clock keeps running and the
handler sends the notice another way and ticks "rejection notice sent" by hand.
"""

from __future__ import annotations

import logging

from django.db import transaction

from carecircle.core import clock
from carecircle.notify.choices import MessageStatus
from carecircle.notify.kinds import register
from carecircle.notify.models import Message
from carecircle.notify.services import send

from ..choices import Action, ClaimStatus
from ..models import Claim
from .clocks import save_with_clocks
from .timeline import record

log = logging.getLogger(__name__)

DOCUMENTS_KIND = "claim_documents_requested"
REJECTED_KIND = "claim_rejected"
# Statuses under which the notice counts as given: it went, or it will go without a person.
GIVEN = frozenset({MessageStatus.QUEUED, MessageStatus.DEFERRED, MessageStatus.SENT})

register(
    DOCUMENTS_KIND,
    "理赔补充材料通知 / Documents needed for your claim",
    "尊敬的{name}，您的赔案{claim_no}还需补充以下材料（一次性告知）：{documents}。"
    "材料齐全后我们将继续处理。 / Claim {claim_no}: please send these documents, all we need "
    "(one notice): {documents}. We carry on as soon as they are complete.",
)
register(
    REJECTED_KIND,
    "拒赔通知书 / Your claim was declined",
    "尊敬的{name}，经审核，您的赔案{claim_no}不予赔付，理由：{reasons}。如有异议可申请复核。"
    " / Claim {claim_no} was declined for these reasons: {reasons}. You may ask for a review.",
)


def documents_key(claim: Claim) -> str:
    return f"claim:{claim.claim_no}:docs:{claim.reopen_count}"


def rejection_key(claim: Claim) -> str:
    return f"claim:{claim.claim_no}:reject:{claim.reopen_count}"


def queue_documents_notice(claim: Claim) -> None:
    """Called inside the step's transaction: send the one notice after the commit."""
    claim_id = claim.pk

    def send_documents_notice_on_commit() -> None:
        send_documents_notice(claim_id)

    transaction.on_commit(send_documents_notice_on_commit, robust=True)


def queue_rejection_notice(claim: Claim) -> None:
    """Called inside the rejection's transaction: send the notice after the commit."""
    claim_id, round_ = claim.pk, claim.reopen_count

    def send_rejection_notice_on_commit() -> None:
        send_rejection_notice(claim_id, round_)

    transaction.on_commit(send_rejection_notice_on_commit, robust=True)


def _send(claim: Claim, kind: str, context: dict, key: str) -> Message:
    return send(
        claim.policy.customer,
        kind,
        purpose="service",
        context={"claim_no": claim.claim_no, **context},
        dedupe_key=key,
    )


def send_documents_notice(claim_id: int) -> Message | None:
    """The Art 22 notice listing the missing documents; one per claim and round."""
    claim = Claim.objects.select_related("policy__customer").filter(pk=claim_id).first()
    if claim is None or claim.documents_requested_at is None:
        return None
    return _send(
        claim, DOCUMENTS_KIND, {"documents": claim.documents_requested}, documents_key(claim)
    )


def send_rejection_notice(claim_id: int, round_: int | None = None) -> Message | None:
    """The Art 24 notice with the written reasons; one per claim and round. Stamps
    ``rejection_notice_at`` (stopping the 3-day clock) when the message is recorded as going."""
    with transaction.atomic():
        claim = (
            Claim.objects.select_for_update().select_related("policy").filter(pk=claim_id).first()
        )
        if claim is None or claim.status != ClaimStatus.REJECTED:
            return None  # reopened (or gone) before the callback ran: nothing to notify
        if round_ is not None and claim.reopen_count != round_:
            return None
        message = _send(
            claim, REJECTED_KIND, {"reasons": claim.rejection_reason}, rejection_key(claim)
        )
        if claim.rejection_notice_at is None and message.status in GIVEN:
            claim.rejection_notice_at = message.sent_at or message.created_at or clock.now()
            save_with_clocks(claim)
            record(
                claim,
                Action.REJECTION_NOTICE,
                claim.status,
                None,
                "拒赔通知书已发送 / rejection notice sent",
                message=message.pk,
                channel=message.channel,
                status=message.status,
            )
        elif message.status not in GIVEN:
            log.warning(
                "claim %s: rejection notice %s (%s); the handler must send it",
                claim.claim_no,
                message.status,
                message.block_reason,
            )
    return message
