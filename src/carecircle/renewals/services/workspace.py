"""What seats and agents do to a renewal in the workspace: open it, call, quote, record the
outcome (a proposal to pay when the customer accepts: ``services.acceptance``). Each function is atomic; writes that a client
may repeat (an outcome, a renewal) are idempotent; refusals say why, and compliance refusals
are logged (``services.compliance``)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from carecircle.core import audit, clock, locks, pii
from carecircle.core.dates import add_months
from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog
from carecircle.core.roles import Perm, Role, has_perm

from .. import cti, selectors
from ..choices import (
    CONNECTED_OUTCOMES,
    OUTCOME_STATUS,
    ContactChannel,
    LostReason,
    Outcome,
    Stage,
    Status,
)
from ..conf import renewal_settings
from ..lists import limits_for
from ..models import Contact, Quote, RenewalTask
from ..quote import compute
from ..rules import Violation
from ..supervision.scope import can_supervise
from . import acceptance, compliance, underwriting

CLOSING = {Outcome.RENEWED, Outcome.LOST, Outcome.REFUSED, Outcome.DO_NOT_CALL}


def _who(user) -> str:
    return getattr(user, "display_name", "") or user.get_username()


def contact_channel(user) -> str:
    """Agents and 4S-shop staff work their reserved renewals in the same workspace; their
    contacts count as their channel's (a worked reservation is not handed over)."""
    return {
        Role.SALES_AGENT: ContactChannel.AGENT,
        Role.PARTNER_USER: ContactChannel.FOUR_S_SHOP,
    }.get(user.role, ContactChannel.TELESALES)


def require_worker(task: RenewalTask, user) -> None:
    if not has_perm(user, Perm.WORK_RENEWALS):
        raise DomainError("forbidden", "无续保作业权限 / you do not work renewals", status=403)
    if task.assignee_id != user.pk:
        holder = _who(task.assignee) if task.assignee else "续保池 / the pool"
        raise DomainError(
            "not_assignee",
            f"该续保由 {holder} 负责 / this renewal belongs to {holder}",
            status=403,
        )


def _locked(task_id: int) -> RenewalTask:
    return locks.lock(
        RenewalTask.objects.select_related("customer", "policy", "assignee"), pk=task_id
    )


def open_task(task: RenewalTask, user) -> RenewalTask:
    """The seat who opens a task holds it for ``lock_minutes``; a second seat is told who
    has it. Supervisors look without taking it."""
    conf = renewal_settings()
    now = clock.now()
    if can_supervise(user, task) and task.assignee_id != user.pk:
        return task
    require_worker(task, user)
    with transaction.atomic():
        task = _locked(task.pk)
        if (
            task.locked_by_id not in (None, user.pk)
            and task.locked_until
            and task.locked_until > now
        ):
            until = timezone.localtime(task.locked_until)
            raise DomainError(
                "locked",
                f"{_who(task.locked_by)} 正在处理（至 {until:%H:%M}）/ "
                f"{_who(task.locked_by)} has this task until {until:%H:%M}",
                status=409,
            )
        task.locked_by = user
        task.locked_until = now + dt.timedelta(minutes=conf.lock_minutes)
        task.save(update_fields=["locked_by", "locked_until", "updated_at"])
    return task


def _check_open(task: RenewalTask) -> None:
    if task.stage == Stage.DONE:
        raise DomainError(
            "closed",
            f"该续保已结束（{task.get_status_display()}）/ this renewal is closed",
            status=409,
        )


def place_call(task: RenewalTask, user) -> Contact:
    """Click-to-call: the law is checked first; a blocked attempt is logged and refused."""
    conf = renewal_settings()
    now = clock.now()
    require_worker(task, user)
    try:
        with transaction.atomic():
            task = _locked(task.pk)
            _check_open(task)
            found = selectors.call_violations(task, task.customer, now, conf)
            if found:
                raise compliance.Blocked(found[0])
            call_id = uuid.uuid4().hex
            contact = Contact.objects.create(
                task=task,
                customer=task.customer,
                channel=contact_channel(user),
                by=user,
                at=now,
                call_id=call_id,
                idempotency_key=f"call:{call_id}",
            )
            task.attempts += 1
            task.save(update_fields=["attempts", "updated_at"])
    except compliance.Blocked as blocked:
        compliance.log_block(task, user, now, blocked.violation)
        raise compliance.refusal(blocked.violation) from None
    phone = pii.decrypt(task.customer.phone_encrypted) if task.customer.phone_encrypted else ""
    event = cti.adapter().dial(call_id=call_id, seat_username=user.get_username(), phone=phone)
    if event is not None:
        apply_call_event(event)
        contact.refresh_from_db()
    return contact


def apply_call_event(event: cti.CallEvent) -> Contact:
    """A CTI event (answered / ended); repeated events leave the same result."""
    with transaction.atomic():
        contact = locks.lock(Contact, call_id=event.call_id)
        if event.connected and not contact.connected:
            RenewalTask.objects.filter(pk=contact.task_id).update(connected=F("connected") + 1)
            RenewalTask.objects.filter(pk=contact.task_id, first_contact_at__isnull=True).update(
                first_contact_at=contact.at
            )
        contact.connected = event.connected
        contact.duration_s = event.duration_s
        contact.recording_ref = event.recording_ref or contact.recording_ref
        contact.save(update_fields=["connected", "duration_s", "recording_ref"])
    return contact


def make_quote(
    task: RenewalTask, user, pricing: Decimal | None = None, *, compulsory_only: bool = False
) -> Quote:
    """The quote the seat gives; ``compulsory_only``: 交强险 alone (the customer buys
    商业险 elsewhere or not at all)."""
    conf = renewal_settings()
    require_worker(task, user)
    _check_open(task)
    task = RenewalTask.objects.select_related(
        "policy__vehicle", "companion__vehicle", "customer"
    ).get(pk=task.pk)
    limits = limits_for(task)
    if not compulsory_only and not limits.commercial_allowed:
        # A black-listed customer (#16): the commercial quote goes to underwriting; 交强险
        # may still be quoted alone. The refusal names the list entry.
        underwriting.refer(task, user)
        limits = limits_for(task)
    figures = compute(task, pricing, conf, include_commercial=not compulsory_only, limits=limits)
    quote = Quote.objects.create(
        task=task,
        by=user,
        vehicle_tax=figures.vehicle_tax,
        compulsory_only=not figures.include_commercial or not figures.commercial_premium,
        ncd_reason=figures.ncd_reason[:255],
        base_premium=figures.base_premium,
        ncd_level=figures.ncd_level,
        ncd_coefficient=figures.ncd_coefficient,
        pricing_coefficient=figures.pricing_coefficient,
        traffic_violation_coefficient=figures.traffic_violation_coefficient,
        commercial_premium=figures.commercial_premium,
        compulsory_adjustment=figures.compulsory_adjustment,
        compulsory_premium=figures.compulsory_premium,
        total=figures.total,
        last_year_total=figures.last_year_total,
    )
    audit.record(user, AuditLog.Action.CREATE, quote, summary=f"renewal quote {quote.total}")
    return quote


def record_outcome(
    task: RenewalTask,
    user,
    outcome: str,
    *,
    idempotency_key: str,
    contact: Contact | None = None,
    **data: Any,
) -> Contact:
    """Record what came of a call. Posting the same key again returns the first result; a
    connected outcome needs the call's recording."""
    conf = renewal_settings()
    now = clock.now()
    if not idempotency_key:
        raise DomainError("idempotency_key", "缺少幂等键 / idempotency key required")
    done = Contact.objects.filter(idempotency_key=idempotency_key).first()
    if done is not None:
        return done
    outcome = Outcome(outcome)
    require_worker(task, user)
    try:
        with transaction.atomic():
            task = _locked(task.pk)
            if contact is not None:
                contact = locks.lock(Contact, pk=contact.pk, task=task)
                if contact.outcome:
                    raise DomainError(
                        "outcome_recorded",
                        f"该通话已记录结果：{contact.get_outcome_display()} / this call already "
                        "has an outcome",
                        status=409,
                    )
            _check_open(task)
            _validate(task, contact, outcome, data, now)
            if outcome in CONNECTED_OUTCOMES and (contact is None or not contact.recording_ref):
                raise compliance.Blocked(
                    Violation(
                        "no_recording",
                        "接通的电话须有录音编号 / a connected call needs its recording",
                    )
                )
            if outcome == Outcome.ACCEPTED:
                acceptance.accept(task, user, idempotency_key)
            contact = _save_contact(task, user, contact, outcome, idempotency_key, data, now)
            _apply(task, outcome, data, now, conf)
            task.save()
    except compliance.Blocked as blocked:
        compliance.log_block(task, user, now, blocked.violation)
        raise compliance.refusal(blocked.violation) from None
    audit.record(user, AuditLog.Action.UPDATE, task, summary=f"renewal outcome {outcome}")
    return contact


def _validate(task, contact, outcome, data, now) -> None:
    if outcome == Outcome.RENEWED:
        # 见费出单: a renewal is issued when the customer pays, never on the seat's word.
        raise DomainError(
            "renewed_needs_payment",
            "续保须客户付款后出单，请记录“接受报价” / a renewal is issued once paid: record "
            "'accepted'",
            "outcome",
        )
    if outcome == Outcome.ACCEPTED and task.status == Status.AWAITING_PAYMENT:
        raise DomainError(
            "awaiting_payment",
            "已有待支付的投保单，可重发链接或撤销 / a proposal already awaits payment: resend "
            "the link or cancel it",
            status=409,
        )
    if outcome == Outcome.CALLBACK:
        at = data.get("callback_at")
        if not at or at <= now:
            raise DomainError(
                "callback_at", "请填写将来的回拨时间 / give a future call-back time", "callback_at"
            )
    if outcome == Outcome.LOST and data.get("lost_reason") not in LostReason.values:
        raise DomainError(
            "lost_reason", "请选择流失原因 / choose why the customer left", "lost_reason"
        )
    if outcome == Outcome.QUOTED and not task.quotes.exists():
        raise DomainError("no_quote", "请先生成报价 / make a quote first", status=409)
    if outcome == Outcome.NOT_REACHED and contact is not None and contact.connected:
        raise DomainError("connected", "该通话已接通 / this call was answered", status=409)


def _save_contact(task, user, contact, outcome, key, data, now) -> Contact:
    fields = {
        "outcome": outcome,
        "callback_at": data.get("callback_at"),
        "lost_reason": data.get("lost_reason", ""),
        "competitor": data.get("competitor", "")[:64],
        "competitor_price": data.get("competitor_price"),
        "note": data.get("note", ""),
    }
    if contact is None:
        return Contact.objects.create(
            task=task,
            customer_id=task.customer_id,
            channel=ContactChannel.INBOUND,
            by=user,
            at=now,
            idempotency_key=key,
            **fields,
        )
    for name, value in fields.items():
        setattr(contact, name, value)
    contact.idempotency_key = key
    contact.save()
    return contact


def _apply(task: RenewalTask, outcome: str, data: dict, now: dt.datetime, conf) -> None:
    status = OUTCOME_STATUS[Outcome(outcome)]
    if status is not None:
        task.status = status
    if outcome == Outcome.CALLBACK:
        task.due_at = data["callback_at"]
        task.customer_asked = bool(data.get("customer_asked", True))
    if outcome == Outcome.LOST:
        task.lost_reason = data["lost_reason"]
        task.competitor = data.get("competitor", "")[:64]
        task.competitor_price = data.get("competitor_price")
    if outcome in (Outcome.REFUSED, Outcome.DO_NOT_CALL):
        # Across channels: the customer record carries it, and every dial checks it.
        until = add_months(clock.today(), conf.do_not_call_months)
        customer = task.customer
        if not customer.do_not_call_until or customer.do_not_call_until < until:
            customer.do_not_call_until = until
            customer.save(update_fields=["do_not_call_until"])
    if outcome in CLOSING:
        task.stage = Stage.DONE
        task.closed_at = now
        task.locked_by = None
