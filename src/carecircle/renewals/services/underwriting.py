"""The underwriting referral queue (核保, #16): refer a black-listed customer's commercial
renewal, decide it (accept with conditions, decline with a written reason), withdraw it when
the list entry stops acting. Each step audited; refer and withdraw are idempotent.
docs/underwriting.md, ADR 0018."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from carecircle.core import audit, clock, locks
from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog
from carecircle.core.roles import Perm, has_perm
from carecircle.parties.models import list_flag
from carecircle.policies.choices import PolicyKind

from ..choices import Stage
from ..models import ReferralStatus, RenewalTask, UnderwritingReferral
from ..quote import regulatory_band

THREE = Decimal("0.001")


def refer(task: RenewalTask, user: Any) -> UnderwritingReferral | None:
    """The renewal's referral for the customer's black-list entry, made on first need (the seat
    opens the task or asks for a commercial quote); None when nothing is to refer (no black
    entry, a 交强险-only renewal, a closed one)."""
    flag = list_flag(task.customer_id)
    if flag is None or not flag.is_black:
        return None
    found = UnderwritingReferral.objects.filter(task=task, list_entry_id=flag.entry_id).first()
    if found is not None:
        return found
    if task.stage == Stage.DONE or task.policy.kind != PolicyKind.COMMERCIAL:
        return None
    try:
        with transaction.atomic():
            referral = UnderwritingReferral.objects.create(
                task=task,
                customer_id=task.customer_id,
                unit_id=task.unit_id,
                list_entry_id=flag.entry_id,
                list_reasons=flag.reasons,
                list_reasons_text=flag.reasons_text,
                referred_by=user if getattr(user, "is_authenticated", False) else None,
                referred_at=clock.now(),
            )
            audit.record(
                user,
                AuditLog.Action.CREATE,
                referral,
                summary=f"renewal {task.pk} referred to underwriting: list entry {flag.entry_id}",
            )
    except IntegrityError:  # referred by a second request at the same moment
        return UnderwritingReferral.objects.get(task=task, list_entry_id=flag.entry_id)
    return referral


def _pricing(raw: Any) -> Decimal | None:
    if raw in (None, ""):
        return None
    try:
        value = Decimal(str(raw)).quantize(THREE)
    except (InvalidOperation, ValueError):
        raise DomainError(
            "min_pricing", "最低系数须为数字 / the minimum must be a number", "min_pricing"
        ) from None
    low, high = regulatory_band()
    if not low <= value <= high:
        raise DomainError(
            "min_pricing",
            f"最低系数须在监管区间 [{low}, {high}] 内 / the minimum must be within the "
            f"regulatory band {low}–{high}",
            "min_pricing",
        )
    return value


def decide(
    referral_id: int,
    *,
    accept: bool,
    acting_user: Any,
    min_pricing: Any = None,
    excess_note: str = "",
    excluded_coverages: str = "",
    reason: str = "",
) -> UnderwritingReferral:
    """Accept with conditions (the seat then quotes commercial within them) or decline with a
    written reason (the seat offers 交强险 only and reads the reason)."""
    if not has_perm(acting_user, Perm.UNDERWRITE):
        audit.record(
            acting_user,
            AuditLog.Action.DENIED,
            object_type="renewals.underwritingreferral",
            object_id=str(referral_id),
            summary="decide underwriting referral",
        )
        raise PermissionDenied("无核保权限 / you do not underwrite")
    reason = (reason or "").strip()
    with transaction.atomic():
        try:
            referral = locks.lock(
                UnderwritingReferral.objects.restrict(acting_user, "change"), pk=referral_id
            )
        except UnderwritingReferral.DoesNotExist:
            raise DomainError(
                "not_found",
                "转介不存在或不在您的范围内 / referral not found in your scope",
                status=404,
            ) from None
        if referral.status != ReferralStatus.PENDING:
            raise DomainError(
                "referral_decided",
                f"该转介已处理({referral.get_status_display()}) / this referral is already decided",
                status=409,
            )
        if not accept and not reason:
            raise DomainError(
                "reason_required", "拒保须写明理由 / a decline needs a written reason", "reason"
            )
        floor = _pricing(min_pricing) if accept else None
        referral.status = ReferralStatus.ACCEPTED if accept else ReferralStatus.DECLINED
        referral.decided_by = acting_user
        referral.decided_at = clock.now()
        referral.min_pricing_coefficient = floor
        referral.excess_note = (excess_note or "").strip()[:255] if accept else ""
        referral.excluded_coverages = (excluded_coverages or "").strip()[:255] if accept else ""
        referral.reason = reason
        referral.save()
        audit.record(
            acting_user,
            AuditLog.Action.UPDATE,
            referral,
            summary=f"underwriting referral {referral.status}"[:255],
            changes={
                "status": [ReferralStatus.PENDING, referral.status],
                "min_pricing_coefficient": str(floor) if floor is not None else None,
                "excess_note": referral.excess_note,
                "excluded_coverages": referral.excluded_coverages,
                "reason": reason,
            },
        )
        # the seat's renewal comes back to the top of the queue to call the customer
        RenewalTask.objects.open().filter(pk=referral.task_id).update(due_at=clock.now())
    return referral


def refer_open(customer_id: int) -> int:
    """The customer's list effect changed: a black entry now in force refers every open
    commercial renewal of theirs at once, so the underwriter's queue holds it before a seat
    opens the task (``refer`` is idempotent; the seat's opening finds the same referral)."""
    flag = list_flag(customer_id)
    if flag is None or not flag.is_black:
        return 0
    tasks = RenewalTask.objects.filter(customer_id=customer_id).exclude(stage=Stage.DONE)
    return sum(refer(task, None) is not None for task in tasks.select_related("policy"))


def withdraw_stale(customer_id: int) -> int:
    """The customer's list effect changed (``Event.LIST_EFFECT_CHANGED``): every pending
    referral for an entry that is no longer the customer's black entry in force is closed as
    withdrawn, at once. Idempotent; returns how many."""
    flag = list_flag(customer_id)
    acting = flag.entry_id if flag is not None and flag.is_black else None
    stale = UnderwritingReferral.objects.filter(
        customer_id=customer_id, status=ReferralStatus.PENDING
    )
    if acting is not None:
        stale = stale.exclude(list_entry_id=acting)
    done = 0
    with transaction.atomic():
        for referral in stale.select_for_update():
            referral.status = ReferralStatus.WITHDRAWN
            referral.decided_at = clock.now()
            referral.reason = (
                f"名单记录 #{referral.list_entry_id} 已不再生效（撤销、到期或申诉成立）/ list "
                f"entry #{referral.list_entry_id} no longer acts (revoked, expired or appeal "
                "succeeded)"
            )
            referral.save(update_fields=["status", "decided_at", "reason"])
            audit.record(
                None,
                AuditLog.Action.UPDATE,
                referral,
                summary=f"underwriting referral withdrawn: entry {referral.list_entry_id}",
                changes={"status": [ReferralStatus.PENDING, ReferralStatus.WITHDRAWN]},
            )
            done += 1
    return done
