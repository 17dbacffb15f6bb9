"""Complaint services (投诉): receive, start, resolve, the customer's confirmation, closing,
and automatic escalation past the deadline. One transaction each, every step recorded as a
``ComplaintEvent`` with who, when and why, and in the audit log."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from carecircle.core import audit, clock, locks
from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog, User
from carecircle.core.roles import Perm, Role, has_perm
from carecircle.notify.services import send
from carecircle.parties.choices import PartnerKind
from carecircle.parties.models import Customer, Partner
from carecircle.parties.services import require_visible

from .. import conf, rules
from ..choices import (
    OPEN_COMPLAINT_STATUSES,
    ComplaintCategory,
    ComplaintChannel,
    ContactType,
    Severity,
)
from ..models import Complaint, ComplaintEvent, Interaction


def _require_handler(user) -> None:
    if not has_perm(user, Perm.HANDLE_COMPLAINTS):
        raise PermissionDenied("需要投诉处理权限 / needs the handle-complaints permission")


def may_own(user: Any, complaint: Complaint) -> bool:
    """A complaint's owner handles complaints and reaches it by the one rule (its unit in
    their subtree): never another branch's handler, never a customer or a partner."""
    return (
        has_perm(user, Perm.HANDLE_COMPLAINTS)
        and Complaint.objects.restrict(user).filter(pk=complaint.pk).exists()
    )


def _check_owner(owner: User | None, complaint: Complaint) -> None:
    if owner is not None and not may_own(owner, complaint):
        raise DomainError(
            "unknown_owner",
            "承办人须为能处理该投诉的人员 / the owner must be a complaint handler who can "
            "reach this complaint",
            "owner_id",
        )


def _event(complaint, actor, action, before, note="") -> ComplaintEvent:
    return ComplaintEvent.objects.create(
        complaint=complaint,
        at=clock.now(),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        from_status=before,
        to_status=complaint.status,
        note=note,
    )


def _notify(complaint: Complaint, step: str, zh: str, en: str) -> None:
    send(
        complaint.customer,
        "complaint_update",
        context={"complaint_no": complaint.complaint_no, "update": zh, "update_en": en},
        dedupe_key=f"complaint:{complaint.complaint_no}:{step}",
    )


def _check_choice(value: str, choices, field: str) -> None:
    if value not in choices.values:
        raise DomainError(
            f"unknown_{field}", f"{field} 须为 {', '.join(choices.values)} 之一", field
        )


def receive(
    customer: Customer,
    *,
    acting_user: Any,
    channel: str,
    category: str,
    severity: str,
    touchpoint: str,
    summary: str,
    details: str = "",
    owner: User | None = None,
    claim=None,
    policy=None,
    interaction=None,
    partner: Partner | None = None,
    merchant: Partner | None = None,
    staff: User | None = None,
    received_at: dt.datetime | None = None,
) -> Complaint:
    """A complaint from any channel, by staff (any insurer staff) or the customer themselves."""
    own = getattr(acting_user, "customer_id", None) == customer.pk
    if not own:
        if not getattr(acting_user, "is_insurer_staff", False):
            raise PermissionDenied("只有员工或客户本人可登记投诉 / staff or the customer only")
        require_visible(customer, acting_user)
    _check_choice(channel, ComplaintChannel, "channel")
    _check_choice(category, ComplaintCategory, "category")
    _check_choice(severity, Severity, "severity")
    _check_choice(touchpoint, ContactType, "touchpoint")
    if not summary.strip():
        raise DomainError("summary_required", "请填写投诉摘要 / a summary is required", "summary")
    for field, obj, owner_id in (
        ("claim", claim, claim and claim.policy.customer_id),
        ("policy", policy, policy and policy.customer_id),
        ("interaction", interaction, interaction and interaction.customer_id),
    ):
        if obj is not None and owner_id != customer.pk:
            raise DomainError(
                f"{field}_not_customers",
                f"{field} 不属于该客户 / the {field} belongs to another customer",
                field,
            )
    if merchant is not None and merchant.kind != PartnerKind.MERCHANT:
        raise DomainError("not_a_merchant", "所选机构不是商户 / not a merchant", "merchant")
    partner, staff = _root_cause_defaults(category, claim, interaction, partner, staff)
    moment = received_at or clock.now()
    severity = rules.effective_severity(
        severity, category, channel, conf.get("HIGH_CATEGORIES"), conf.get("HIGH_CHANNELS")
    )
    with transaction.atomic():
        complaint = Complaint.objects.create(
            complaint_no=uuid.uuid4().hex[:20],
            customer=customer,
            channel=channel,
            category=category,
            severity=severity,
            touchpoint=touchpoint,
            summary=summary.strip()[:255],
            details=details,
            owner=owner,
            received_at=moment,
            due_at=rules.due_at(moment, severity, conf.get("COMPLAINT_HOURS")),
            claim=claim,
            policy=policy,
            interaction=interaction,
            partner=partner,
            merchant=merchant,
            staff=staff,
            unit_id=complaint_unit(customer, acting_user, claim=claim, policy=policy),
            source="manual",
        )
        _check_owner(owner, complaint)
        complaint.complaint_no = f"TS{moment:%Y%m}{complaint.pk:06d}"
        complaint.save(update_fields=["complaint_no"])
        _event(complaint, acting_user, "receive", "", summary[:255])
        _on_timeline(complaint, acting_user)
        audit.record(acting_user, AuditLog.Action.CREATE, complaint, summary=complaint.complaint_no)
        if category == ComplaintCategory.TELESALES_HARASSMENT:
            _stop_calls(customer, acting_user, complaint)
        _notify(
            complaint,
            "received",
            f"已受理，我们将在{complaint.due_at:%m月%d日%H:%M}前答复",
            f"received; we will answer by {complaint.due_at:%Y-%m-%d %H:%M}",
        )
        return complaint


def complaint_unit(customer: Customer, acting_user: Any, *, claim=None, policy=None) -> int | None:
    """The unit (机构) that handles a complaint: the claim's when it is about a claim, the
    policy's when about a policy, else the customer's servicing unit; a customer with none yet
    leaves it with the recording staff member's unit (never with no unit when someone records
    it: a complaint with no unit reaches head office only)."""
    for unit_id in (
        getattr(claim, "unit_id", None),
        getattr(policy, "unit_id", None),
        customer.unit_id,
    ):
        if unit_id:
            return unit_id
    if getattr(acting_user, "is_insurer_staff", False):
        return getattr(acting_user, "unit_id", None)
    return None


def _root_cause_defaults(category, claim, interaction, partner, staff):
    """Who the complaint counts against when the recorder named only the claim or the call:
    the call's staff member and partner (a telesales seat, a 4S shop's sales visit), and for a
    designated-shop complaint the shop the claim was sent to — so it reaches their scorecards
    without the handler re-entering what the record already says."""
    if interaction is not None:
        staff = staff or interaction.staff
        partner = partner or interaction.partner
    if (
        partner is None
        and claim is not None
        and claim.repair_shop_id
        and category == ComplaintCategory.DESIGNATED_SHOP
    ):
        partner = claim.repair_shop
    return partner, staff


MEDIUM_OF_CHANNEL = {
    ComplaintChannel.PHONE: "phone",
    ComplaintChannel.STORE: "store",
    ComplaintChannel.WECHAT: "wechat",
    ComplaintChannel.APP: "app",
    ComplaintChannel.EMAIL: "email",
    ComplaintChannel.LETTER: "visit",
    ComplaintChannel.SOCIAL: "social",
    ComplaintChannel.REGULATOR: "phone",
    ComplaintChannel.STAFF: "visit",
}


def _on_timeline(complaint: Complaint, actor) -> None:
    """A complaint is a brand contact on the customer's timeline (五类接触: 品牌)."""
    Interaction.objects.create(
        customer=complaint.customer,
        contact_type=ContactType.BRAND,
        medium=MEDIUM_OF_CHANNEL[ComplaintChannel(complaint.channel)],
        direction="inbound",
        occurred_at=complaint.received_at,
        staff=actor if getattr(actor, "is_insurer_staff", False) else None,
        partner=complaint.partner or complaint.merchant,
        policy=complaint.policy,
        claim=complaint.claim,
        summary=f"投诉 / complaint {complaint.complaint_no}: {complaint.summary}"[:255],
        outcome="complained",
        source="complaint",
    )


def _stop_calls(customer: Customer, actor, complaint: Complaint) -> None:
    """Harassment complaints put the customer on the do-not-call list (DOMAIN: ≥ 6 months)."""
    until = clock.today() + dt.timedelta(days=conf.get("HARASSMENT_DO_NOT_CALL_DAYS"))
    locked = locks.lock(Customer, pk=customer.pk)
    if locked.do_not_call_until is None or locked.do_not_call_until < until:
        before = locked.do_not_call_until
        locked.do_not_call_until = until
        locked.save(update_fields=["do_not_call_until", "updated_at"])
        customer.do_not_call_until = until
        audit.record(
            actor,
            AuditLog.Action.UPDATE,
            locked,
            summary=f"do-not-call after complaint {complaint.complaint_no}",
            changes={"do_not_call_until": [str(before) if before else None, str(until)]},
        )


def _transition(complaint: Complaint, action: str, actor, note: str = "", **fields) -> Complaint:
    locked = locks.lock(Complaint, pk=complaint.pk)
    target = rules.next_status(locked.status, action)
    if target is None:
        raise DomainError(
            "transition_not_allowed",
            f"投诉处于{locked.get_status_display()}，不能{action} / cannot {action} a "
            f"{locked.status} complaint",
            "status",
            status=409,
        )
    before = locked.status
    locked.status = target
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.save()
    _event(locked, actor, action, before, note)
    audit.record(
        actor,
        AuditLog.Action.UPDATE,
        locked,
        summary=f"{action}: {before} → {target}",
        changes={"status": [before, target]},
    )
    return locked


def start(complaint: Complaint, *, acting_user: Any, owner: User | None = None, note: str = ""):
    _require_handler(acting_user)
    _check_owner(owner, complaint)
    with transaction.atomic():
        return _transition(complaint, "start", acting_user, note, owner=owner or acting_user)


def resolve(
    complaint: Complaint,
    *,
    acting_user: Any,
    resolution: str,
    root_cause: str = "",
    compensation: Decimal | None = None,
) -> Complaint:
    _require_handler(acting_user)
    if not resolution.strip():
        raise DomainError(
            "resolution_required", "请填写处理结果 / the resolution is required", "resolution"
        )
    with transaction.atomic():
        done = _transition(
            complaint,
            "resolve",
            acting_user,
            resolution,
            resolution=resolution.strip(),
            root_cause=root_cause.strip()[:255] or complaint.root_cause,
            compensation=compensation,
            resolved_at=clock.now(),
            owner=complaint.owner or acting_user,
        )
        _notify(
            done,
            f"resolved-{done.events.count()}",
            f"处理结果：{done.resolution}。请确认是否满意",
            f"resolved: {done.resolution}. Please confirm.",
        )
        return done


def confirm(complaint: Complaint, *, acting_user: Any, satisfied: bool, note: str = ""):
    """The customer's answer to the resolution: satisfied closes, not satisfied reopens.

    Recorded by the customer themselves (their login) or by a handler after a call-back.
    """
    own = getattr(acting_user, "customer_id", None) == complaint.customer_id
    if not own:
        _require_handler(acting_user)
    moment = clock.now()
    with transaction.atomic():
        if satisfied:
            return _transition(
                complaint,
                "confirm",
                acting_user,
                note,
                customer_confirmed=True,
                closed_at=moment,
            )
        return _transition(
            complaint,
            "reject",
            acting_user,
            note,
            customer_confirmed=False,
            due_at=rules.due_at(moment, complaint.severity, conf.get("COMPLAINT_HOURS")),
        )


def close_unconfirmed(complaint: Complaint, *, acting_user: Any, note: str = "") -> Complaint:
    """Close a resolved complaint the customer left unanswered past the confirmation days."""
    _require_handler(acting_user)
    if not rules.may_close_unconfirmed(
        complaint.resolved_at, clock.now(), conf.get("CONFIRMATION_DAYS")
    ):
        raise DomainError(
            "awaiting_customer",
            "客户确认期未满 / still waiting for the customer's confirmation",
            "status",
            status=409,
        )
    with transaction.atomic():
        return _transition(complaint, "close", acting_user, note, closed_at=clock.now())


def _escalation_owner(level: int) -> User | None:
    role = Role.SERVICE_MANAGER if level == 1 else Role.MANAGER
    return User.objects.filter(role=role, is_active=True).order_by("pk").first()


def escalate_overdue(now: dt.datetime | None = None) -> int:
    """Every open complaint past its deadline goes up one level (new owner, new deadline).

    Idempotent for a moment: a complaint escalated gets a later deadline, so running again at
    once does nothing. Run by ``carecircle complaints escalate`` (cron / worker).
    """
    moment = now or clock.now()
    extra = dt.timedelta(hours=conf.get("ESCALATION_HOURS"))
    top = conf.get("ESCALATION_MAX_LEVEL")
    count = 0
    overdue = Complaint.objects.filter(
        status__in=OPEN_COMPLAINT_STATUSES, due_at__lt=moment, escalation_level__lt=top
    ).values_list("pk", flat=True)
    for pk in list(overdue):
        with transaction.atomic():
            c = locks.lock(Complaint, pk=pk)
            if c.status not in OPEN_COMPLAINT_STATUSES or c.due_at >= moment:
                continue
            c.escalation_level += 1
            c.escalated_at = moment
            c.due_at = moment + extra
            c.owner = _escalation_owner(c.escalation_level) or c.owner
            c.save(update_fields=["escalation_level", "escalated_at", "due_at", "owner"])
            _event(
                c,
                None,
                "escalate",
                c.status,
                f"超时升级至第{c.escalation_level}级 / level {c.escalation_level}",
            )
            audit.record(
                None,
                AuditLog.Action.UPDATE,
                c,
                summary=f"escalated to level {c.escalation_level} past the deadline",
            )
            count += 1
    return count
