"""What a person decides after a value run: tier reviews and grey/black list entries.

The engine only proposes (``value.engine.decisions``); nothing takes effect until someone with
the permission decides here.  Every service takes ``acting_user``, runs in one transaction,
locks the row it changes (``select_for_update``), writes the history row (``TierHistory`` /
``ListEvent``) and the audit record.  A refusal is audited outside the transaction so raising
does not roll the record back; a step the workflow does not allow raises ``DomainError``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from carecircle.core import audit, clock
from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog
from carecircle.core.roles import Perm, has_perm

from ..models import (
    CustomerValue,
    ListEntry,
    ListEvent,
    ListStatus,
    ReviewStatus,
    TierHistory,
    TierReview,
)
from . import list_effects

PERSON_APPROVED = "person_approved"


def _require(user: Any, perm: Perm, model: type[Model], pk: int, what: str) -> None:
    if not has_perm(user, perm):
        audit.record(
            user,
            AuditLog.Action.DENIED,
            object_type=model._meta.label_lower,
            object_id=str(pk),
            summary=what,
        )
        raise PermissionDenied("无权执行此操作 / you are not allowed to do this")


def _need_note(note: str, field: str = "note") -> str:
    note = (note or "").strip()
    if not note:
        raise DomainError(
            "note_required", "请填写决定理由 / please give the reason for the decision", field
        )
    return note


def _not_found(kind: str) -> DomainError:
    return DomainError(
        "not_found", f"记录不存在或不在您的范围内 / {kind} not found in your scope", status=404
    )


# ---------------------------------------------------------------- tier reviews


def _with_code(reasons: str, code: str) -> str:
    codes = [c for c in reasons.split(",") if c]
    if code not in codes:
        codes.append(code)
    return ",".join(codes)[:255]


def decide_tier_review(review_id: int, *, approve: bool, note: str, acting_user: Any) -> TierReview:
    """Approve the rules' proposed tier, or keep the current one; either way with a note.

    The decided tier goes onto the customer's current value row at once and into the tier
    history with ``decided_by``; the next run honours it (``approved_rank`` in the engine).
    """
    _require(acting_user, Perm.DECIDE_TIERS, TierReview, review_id, "decide tier review")
    note = _need_note(note)
    with transaction.atomic():
        try:
            review = TierReview.objects.restrict(acting_user).select_for_update().get(pk=review_id)
        except TierReview.DoesNotExist:
            raise _not_found("tier review") from None
        if review.status != ReviewStatus.PENDING:
            raise DomainError(
                "review_decided",
                f"该复核已处理({review.get_status_display()}) / this review is already decided",
                status=409,
            )
        tier = review.proposed_tier if approve else review.current_tier
        value = (
            CustomerValue.objects.current()
            .select_for_update()
            .filter(customer_id=review.customer_id)
            .first()
        )
        # The run may already have moved the tier one step; "before" is what is shown now.
        before = value.tier if value is not None else review.current_tier
        if value is not None:
            value.tier = tier
            value.reasons = _with_code(value.reasons, PERSON_APPROVED)
            value.save(update_fields=["tier", "reasons"])
        review.status = ReviewStatus.APPROVED if approve else ReviewStatus.KEPT
        review.decided_by = acting_user
        review.decided_at = timezone.now()
        review.note = note
        review.save(update_fields=["status", "decided_by", "decided_at", "note"])
        TierHistory.objects.create(
            customer_id=review.customer_id,
            run_id=value.run_id if value is not None else review.run_id,
            as_of=clock.today(),
            tier=tier,
            previous_tier=before,
            decided_by=acting_user,
            reasons=f"{PERSON_APPROVED},{review.reason}",
        )
        audit.record(
            acting_user,
            AuditLog.Action.UPDATE,
            review,
            summary=f"tier review {review.status}: {before}→{tier}",
            changes={"status": ["pending", review.status], "tier": [before, tier], "note": note},
        )
    return review


# ---------------------------------------------------------------- grey / black lists

# One table of allowed steps: action → (statuses it starts from, status it leads to).
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "approve": (frozenset({ListStatus.PROPOSED}), ListStatus.ACTIVE),
    "reject": (frozenset({ListStatus.PROPOSED}), ListStatus.REJECTED),
    "appeal": (frozenset({ListStatus.ACTIVE}), ListStatus.APPEALED),
    "uphold": (frozenset({ListStatus.APPEALED}), ListStatus.ACTIVE),
    "revoke": (frozenset({ListStatus.APPEALED}), ListStatus.REVOKED),
    "expire": (frozenset({ListStatus.ACTIVE, ListStatus.APPEALED}), ListStatus.EXPIRED),
}
ACTION_NAMES = {
    "approve": "批准 / approve",
    "reject": "不采纳 / reject",
    "appeal": "申诉 / appeal",
    "uphold": "维持 / uphold",
    "revoke": "撤销 / revoke",
    "expire": "到期 / expire",
}


def can(entry: ListEntry, action: str) -> bool:
    return entry.status in TRANSITIONS[action][0]


def _locked_entry(entry_id: int, acting_user: Any) -> ListEntry:
    entries = ListEntry.objects.all()
    if acting_user is not None:  # None is the nightly job, which sees every entry
        entries = entries.restrict(acting_user)
    try:
        return entries.select_for_update().get(pk=entry_id)
    except ListEntry.DoesNotExist:
        raise _not_found("list entry") from None


def _move(entry: ListEntry, action: str, acting_user: Any, note: str) -> ListEntry:
    """The one transition function: check, change, write the event and the audit record."""
    if not can(entry, action):
        raise DomainError(
            "invalid_transition",
            f"当前状态({entry.get_status_display()})不能{ACTION_NAMES[action]} / "
            f"a {entry.status} entry cannot be {action}d",
            status=409,
        )
    before, after = entry.status, TRANSITIONS[action][1]
    entry.status = after
    entry.save()
    ListEvent.objects.create(
        entry=entry,
        actor=acting_user if getattr(acting_user, "is_authenticated", False) else None,
        action=action,
        from_status=before,
        to_status=after,
        note=note,
    )
    audit.record(
        acting_user,
        AuditLog.Action.UPDATE,
        entry,
        summary=f"{entry.kind} list entry {action}: {before}→{after}",
        changes={"status": [before, after], "note": note},
    )
    # Lists that act (#16): the customer's effect follows the entry in the same transaction.
    list_effects.sync_flag(entry.customer_id)
    return entry


def _decided(entry: ListEntry, acting_user: Any) -> None:
    entry.decided_by = acting_user
    entry.decided_at = timezone.now()


def approve_list_entry(
    entry_id: int, *, expires_on: dt.date | None, note: str, acting_user: Any
) -> ListEntry:
    """Proposed → active until ``expires_on`` (required, after today): a list never lasts
    for ever."""
    _require(acting_user, Perm.DECIDE_LISTS, ListEntry, entry_id, "approve list entry")
    note = _need_note(note)
    if expires_on is None or expires_on <= clock.today():
        raise DomainError(
            "expiry_required",
            "须填写晚于今天的到期日 / an expiry date after today is required",
            "expires_on",
        )
    with transaction.atomic():
        entry = _locked_entry(entry_id, acting_user)
        entry.expires_on = expires_on
        _decided(entry, acting_user)
        return _move(entry, "approve", acting_user, f"{note} (→ {expires_on.isoformat()})")


def reject_list_entry(entry_id: int, *, note: str, acting_user: Any) -> ListEntry:
    _require(acting_user, Perm.DECIDE_LISTS, ListEntry, entry_id, "reject list entry")
    note = _need_note(note)
    with transaction.atomic():
        entry = _locked_entry(entry_id, acting_user)
        _decided(entry, acting_user)
        return _move(entry, "reject", acting_user, note)


def appeal_list_entry(entry_id: int, *, text: str, acting_user: Any) -> ListEntry:
    """The customer's appeal against an active entry: by the customer themselves, or recorded
    by insurer staff who can see the customer (an appeal made by phone or letter)."""
    text = _need_note(text, "appeal_text")
    with transaction.atomic():
        entry = _locked_entry(entry_id, acting_user)
        own = getattr(acting_user, "customer_id", None) == entry.customer_id
        if not (own or getattr(acting_user, "is_insurer_staff", False)):
            raise PermissionDenied("无权执行此操作 / you are not allowed to do this")
        entry.appeal_text = text
        return _move(entry, "appeal", acting_user, text)


def decide_appeal(entry_id: int, *, uphold: bool, note: str, acting_user: Any) -> ListEntry:
    """Appealed → active again (upheld) or revoked."""
    _require(acting_user, Perm.DECIDE_LISTS, ListEntry, entry_id, "decide appeal on list entry")
    note = _need_note(note)
    with transaction.atomic():
        entry = _locked_entry(entry_id, acting_user)
        _decided(entry, acting_user)
        return _move(entry, "uphold" if uphold else "revoke", acting_user, note)


def expire_list_entry(entry_id: int, *, acting_user: Any = None) -> ListEntry:
    """One entry past its expiry date → expired (``acting_user`` None = the nightly job)."""
    if acting_user is not None:
        _require(acting_user, Perm.DECIDE_LISTS, ListEntry, entry_id, "expire list entry")
    with transaction.atomic():
        entry = _locked_entry(entry_id, acting_user)
        if entry.expires_on is None or entry.expires_on >= clock.today():
            raise DomainError(
                "not_expired",
                "名单尚未到期 / this entry has not reached its expiry date",
                status=409,
            )
        return _move(entry, "expire", acting_user, f"expired on {entry.expires_on.isoformat()}")


def expire_due(*, acting_user: Any = None) -> int:
    """Expire every active or appealed entry past its date; returns how many."""
    due = ListEntry.objects.filter(
        status__in=TRANSITIONS["expire"][0], expires_on__lt=clock.today()
    ).values_list("pk", flat=True)
    done = 0
    for entry_id in list(due):
        try:
            expire_list_entry(entry_id, acting_user=acting_user)
        except DomainError:
            continue  # decided by someone else in the meantime
        done += 1
    return done
