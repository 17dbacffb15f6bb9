"""Legal notices (Insurance Law Art 22 one-notice document request, Art 24 written rejection):
how they go when a channel fails, the letter a person posts when none delivers, and the
recorded dispatch the legal clocks stop on. docs/notify.md, "Legal notices".

- At send (``sending._record`` → ``record_new``): the channels of the route passed over for
  having no address are recorded as attempts; a notice no channel reaches is a letter at once.
- At delivery (``delivery._deliver_batch`` → ``settle``): every try is a ``DeliveryAttempt``;
  a channel that still fails after ``MAX_ATTEMPTS`` tries, or has lost its address, hands the
  notice to the next untried channel of ``LEGAL_CHANNEL_ORDER`` with an address (queued again,
  its own tries), else to a ``LetterTask``. A letter task is never closed but by a person.
- Dispatch: when a channel sends the notice, or a person records its letter posted, the
  message becomes ``sent`` (``sent_at`` = the dispatch) and ``Event.LEGAL_NOTICE_DISPATCHED``
  is announced after the commit — once per message: only the update that moves the row out of
  ``sending`` (or the letter out of open) announces it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from carecircle.core import audit, clock, handoff, locks
from carecircle.core.errors import DomainError
from carecircle.core.handoff import Event
from carecircle.core.models import AuditLog
from carecircle.core.roles import Perm, has_perm

from .. import conf, rules
from ..channels import mask_address, postal_masked
from ..choices import AttemptOutcome, ChannelName, MessageStatus
from ..models import DeliveryAttempt, LetterTask, Message
from ..selectors import address_of, address_tokens

# The error recorded for a channel passed over: the same words delivery uses.
NO_ADDRESS = "no address for the channel"
NOWHERE = "无可用电子渠道 / no SMS or e-mail address"


def _announce(message: Message, at: dt.datetime) -> None:
    handoff.after_commit(
        Event.LEGAL_NOTICE_DISPATCHED, message_id=message.pk, dedupe_key=message.dedupe_key, at=at
    )


def _skipped(message: Message, channels: Iterable[str], moment: dt.datetime) -> list:
    return [
        DeliveryAttempt(
            message=message,
            channel=channel,
            at=moment,
            outcome=AttemptOutcome.NO_ADDRESS,
            error=NO_ADDRESS,
        )
        for channel in channels
    ]


def _letter(message: Message, moment: dt.datetime, reason: str) -> LetterTask:
    return LetterTask(
        message=message,
        customer_id=message.customer_id,
        address_masked=message.address_masked,
        reason=reason[:255],
        created_at=moment,
    )


def record_new(messages: list[Message], named: str | None, moment: dt.datetime) -> None:
    """Just after ``send`` wrote legal ``messages`` (inside its transaction): the channels
    passed over for want of an address as attempts, and a letter task for each message that
    no channel reaches."""
    route = rules.legal_route(tuple(conf.get("LEGAL_CHANNEL_ORDER")), named)
    attempts: list[DeliveryAttempt] = []
    letters: list[LetterTask] = []
    for m in messages:
        passed = route[: route.index(m.channel)] if m.channel in route else route
        attempts += _skipped(m, passed, moment)
        if m.status == MessageStatus.LETTER:
            letters.append(_letter(m, moment, NOWHERE))
    DeliveryAttempt.objects.bulk_create(attempts)
    LetterTask.objects.bulk_create(letters)


def settle(
    messages: list[Message], sent: dict[int, str], failed: dict[int, str], max_attempts: int
) -> list[int]:
    """After a delivery run, the legal ``messages`` it tried (status ``sending``, ``attempts``
    counting this try): each try recorded; the sent ones marked and announced; a failed one
    retried later (``failed``, flush) or, when its channel is spent, moved on to the next
    channel or to a letter. Returns the ids queued again on a new channel, to deliver now."""
    moment = clock.now()
    requeued: list[int] = []
    with transaction.atomic():
        attempts: list[DeliveryAttempt] = []
        for m in messages:
            ref, error = sent.get(m.pk), failed.get(m.pk, "")
            outcome = (
                AttemptOutcome.SENT
                if ref is not None
                else AttemptOutcome.NO_ADDRESS
                if error == NO_ADDRESS
                else AttemptOutcome.FAILED
            )
            attempts.append(
                DeliveryAttempt(
                    message=m,
                    channel=m.channel,
                    at=moment,
                    outcome=outcome,
                    address_masked=m.address_masked,
                    provider_ref=ref or "",
                    error=error,
                )
            )
            taken = Message.objects.filter(pk=m.pk, status=MessageStatus.SENDING)
            if ref is not None:
                if taken.update(
                    status=MessageStatus.SENT, sent_at=moment, provider_ref=ref, error=""
                ):
                    _announce(m, moment)
            elif outcome == AttemptOutcome.NO_ADDRESS or m.attempts >= max_attempts:
                DeliveryAttempt.objects.bulk_create(attempts)  # the fallback reads what was tried
                attempts = []
                if _fall_back(m, error, moment):
                    requeued.append(m.pk)
            else:
                taken.update(status=MessageStatus.FAILED, error=error)
        DeliveryAttempt.objects.bulk_create(attempts)
    return requeued


def _fall_back(message: Message, error: str, moment: dt.datetime) -> bool:
    """Move a legal notice whose channel is spent to the next untried channel with an address
    (True: queued again there, fresh tries), else to a letter task (False)."""
    tried = set(DeliveryAttempt.objects.filter(message=message).values_list("channel", flat=True))
    tokens = address_tokens([message.customer_id])
    channel, address, passed = rules.next_legal_channel(
        rules.legal_route(tuple(conf.get("LEGAL_CHANNEL_ORDER")), None),
        tried | {message.channel},
        lambda candidate: address_of(message.customer, candidate, tokens),
    )
    DeliveryAttempt.objects.bulk_create(_skipped(message, passed, moment))
    last = f"{message.channel}: {error}"[:255]
    taken = Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING)
    if channel != ChannelName.LETTER:
        taken.update(
            status=MessageStatus.QUEUED,
            channel=channel,
            address_masked=mask_address(channel, address),
            attempts=0,
            error=last,
        )
        return True
    message.address_masked = postal_masked(message.customer)
    if taken.update(
        status=MessageStatus.LETTER,
        channel=ChannelName.LETTER,
        address_masked=message.address_masked,
        error=last,
    ):
        _letter(message, moment, last).save()
    return False


LETTERS_REFUSED = "需要消息推送或理赔权限 / needs the send-messages or handle-claims permission"


def may_post_letters(user: Any) -> bool:
    """Who posts a legal letter: the message senders, and claims staff — today every legal
    notice is a claim's (Art 22 documents, Art 24 rejection) and its clock waits on them."""
    return has_perm(user, Perm.SEND_MESSAGES) or has_perm(user, Perm.HANDLE_CLAIMS)


def record_letter_posted(task: LetterTask, *, tracking_no: str, acting_user: Any) -> LetterTask:
    """A person posted the letter: the task is closed with who, when and the tracking
    number, the message is ``sent`` by letter at that moment, and the dispatch is announced
    (once: a second recording of the same letter is refused)."""
    if not may_post_letters(acting_user):
        raise PermissionDenied(LETTERS_REFUSED)
    tracking_no = (tracking_no or "").strip()
    if not tracking_no:
        raise DomainError(
            "tracking_no_required",
            "请填写邮件单号 / the tracking number is required",
            "tracking_no",
        )
    with transaction.atomic():
        task = locks.lock(LetterTask.objects.select_related("message"), pk=task.pk)
        if task.posted_at is not None:
            raise DomainError(
                "letter_already_posted",
                f"该信函已于{task.posted_at:%Y-%m-%d %H:%M}寄出 / this letter was already posted",
                "tracking_no",
            )
        moment = clock.now()
        task.posted_at, task.posted_by, task.tracking_no = moment, acting_user, tracking_no[:40]
        task.save(update_fields=["posted_at", "posted_by", "tracking_no"])
        message = task.message
        Message.objects.filter(pk=message.pk).update(
            status=MessageStatus.SENT, sent_at=moment, provider_ref=task.tracking_no[:64]
        )
        DeliveryAttempt.objects.create(
            message=message,
            channel=ChannelName.LETTER,
            at=moment,
            outcome=AttemptOutcome.SENT,
            address_masked=task.address_masked,
            provider_ref=task.tracking_no,
        )
        audit.record(
            acting_user,
            AuditLog.Action.UPDATE,
            task,
            summary=f"letter for message {message.pk} posted, tracking {task.tracking_no}",
            changes={"posted_at": [None, moment.isoformat()], "tracking_no": [None, tracking_no]},
        )
        _announce(message, moment)
    return task
