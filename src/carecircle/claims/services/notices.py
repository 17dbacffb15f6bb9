"""The legal notices a claim sends the customer through ``notify.send`` with the legal purpose
(docs/claims.md):

- the one notice for missing documents (一次性告知, Insurance Law Art 22), listing them; a
  reopened claim may send one new notice for what the reopening needs;
- the rejection notice with the written reasons (拒赔通知书, Art 24, within 3 days).

A legal notice is sent whatever the marketing consent, caps, quiet hours or a service
unsubscribe say; notify falls back from a failing channel to the next (SMS → e-mail → a letter
a person posts). ``workflow.transition`` queues them with ``transaction.on_commit(…,
robust=True)``: a rolled back step sends nothing and a notify failure after the commit is
logged, never turned into an error on a decision already saved. Each notice has a dedupe key
per claim and round (``claim:<pk>:documents:<round>``, ``claim:<pk>:rejection_notice:<round>``),
so a retried callback or a second worker records one message.

The clocks stop only on a **recorded dispatch**: notify announces
``Event.LEGAL_NOTICE_DISPATCHED`` when the message actually went (a channel sent it, or its
letter was recorded posted), and ``record_dispatch`` (wired in ``carecircle.flows``) then sets
the claim's ``rejection_notice_at`` (the 3-day clock stops) or, for the documents notice,
``waiting_since`` (the 30-day clock pauses while the customer gathers the documents).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction

from carecircle.notify.choices import MessageStatus, Purpose
from carecircle.notify.kinds import register
from carecircle.notify.models import Message
from carecircle.notify.services import send

from .. import rules
from ..choices import Action, ClaimStatus
from ..models import Claim
from .clocks import save_with_clocks
from .effects import documents_outstanding
from .timeline import record

log = logging.getLogger(__name__)

DOCUMENTS_KIND = "claim_documents_requested"
REJECTED_KIND = "claim_rejected"

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


DOCUMENTS = "documents"
REJECTION = "rejection_notice"


def documents_key(claim: Claim) -> str:
    return f"claim:{claim.pk}:{DOCUMENTS}:{claim.reopen_count}"


def rejection_key(claim: Claim) -> str:
    return f"claim:{claim.pk}:{REJECTION}:{claim.reopen_count}"


def parse_key(key: str) -> tuple[int, str, int] | None:
    """(claim id, which notice, round) from a dedupe key of ours; None for anyone else's."""
    parts = (key or "").split(":")
    if len(parts) != 4 or parts[0] != "claim" or parts[2] not in (DOCUMENTS, REJECTION):
        return None
    if not (parts[1].isdigit() and parts[3].isdigit()):
        return None
    return int(parts[1]), parts[2], int(parts[3])


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
        purpose=Purpose.LEGAL,
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
    """The Art 24 notice with the written reasons; one per claim and round. The 3-day clock
    stops when notify records it dispatched (``record_dispatch``), not when it is queued."""
    claim = Claim.objects.select_related("policy__customer").filter(pk=claim_id).first()
    if claim is None or claim.status != ClaimStatus.REJECTED:
        return None  # reopened (or gone) before the callback ran: nothing to notify
    if round_ is not None and claim.reopen_count != round_:
        return None
    message = _send(claim, REJECTED_KIND, {"reasons": claim.rejection_reason}, rejection_key(claim))
    if message.status in (MessageStatus.BLOCKED, MessageStatus.FAILED):
        log.warning(
            "claim %s: rejection notice %s (%s); the handler must send it",
            claim.claim_no,
            message.status,
            message.block_reason,
        )
    return message


def record_dispatch(message_id: int, dedupe_key: str, at: dt.datetime) -> bool:
    """``Event.LEGAL_NOTICE_DISPATCHED``: a legal notice of ours actually went at ``at``. Stops
    the clock it belongs to, once, and only for the claim's current round (a notice of an
    earlier round going late changes nothing). True when the claim changed."""
    parsed = parse_key(dedupe_key)
    if parsed is None:
        return False
    claim_id, which, round_ = parsed
    with transaction.atomic():
        claim = lock_claim_id(claim_id)
        if claim is None or claim.reopen_count != round_:
            return False
        if which == REJECTION:
            if claim.status != ClaimStatus.REJECTED or claim.rejection_notice_at is not None:
                return False
            claim.rejection_notice_at = at
            note = "拒赔通知书已送出 / rejection notice dispatched"
            action = Action.REJECTION_NOTICE
        else:
            if claim.waiting_since is not None or not documents_outstanding(claim):
                return False  # already waiting, or the documents came in before it went
            if claim.status not in rules.PRE_PAYMENT:
                return False
            claim.waiting_since = at
            note = "补充材料通知已送出，等待客户 / documents notice dispatched: waiting on the customer"
            action = Action.REQUEST_DOCUMENTS
        save_with_clocks(claim)
        record(claim, action, claim.status, None, note, message=message_id, at=at.isoformat())
    return True


def lock_claim_id(claim_id: int) -> Claim | None:
    return Claim.objects.select_for_update().filter(pk=claim_id).first()
