"""Answers that say whether a phone or ID number exists — braked per user and audited.

Two answers reveal personal data by existence: ``duplicate_phone`` / ``duplicate_id_number``
(409: *some* customer anywhere in the book has this number) and a search by a full phone or ID
number (within the user's scope). Each such answer is an audit row (who, when, which field —
never the value); the brake counts those rows in the last ``LOOKUP_WINDOW_MINUTES``, in the
database, so it holds across gunicorn workers and restarts (no per-process cache). The count
and the new row are taken under a lock of the user's row, and the row is written — committed —
*before* the answer is given, so concurrent requests cannot get past the limit together.

Over the limit the answer is 429 ``too_many_lookups`` (the pages say so in words), recorded as
one ``denied`` audit row per burst.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from carecircle.core import audit, locks
from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog, User

from . import conf

EXISTENCE_CODES = frozenset({"duplicate_phone", "duplicate_id_number"})
BRAKED = "parties.lookup_brake"  # object_type of the brake's own refusals (not counted)


@dataclass(frozen=True)
class Brake:
    object_type: str  # of the audit rows counted
    setting: str  # the limit per window (parties.conf)
    label: str

    def limit(self) -> int:
        return int(conf.get(self.setting))


EXISTENCE = Brake("parties.existence_answer", "EXISTENCE_ANSWERS_PER_HOUR", "existence answers")
PII_SEARCH = Brake("parties.pii_search", "PII_SEARCHES_PER_HOUR", "full phone/ID searches")


def too_many() -> DomainError:
    return DomainError(
        "too_many_lookups",
        "查询手机号或身份证号过于频繁，请稍后再试 / too many lookups of phone or ID numbers; "
        "try again later",
        None,
        status=429,
    )


def _since() -> dt.datetime:
    return timezone.now() - dt.timedelta(minutes=int(conf.get("LOOKUP_WINDOW_MINUTES")))


def used(user, brake: Brake) -> int:
    """The answers of this kind ``user`` got in the window."""
    return AuditLog.objects.filter(
        actor=user, object_type=brake.object_type, at__gte=_since()
    ).count()


def _refuse(user, brake: Brake) -> DomainError:
    """Record the refusal once per burst (outside the caller's rollback) and return the 429."""
    if not AuditLog.objects.filter(actor=user, object_type=BRAKED, at__gte=_since()).exists():
        audit.record(
            user,
            AuditLog.Action.DENIED,
            object_type=BRAKED,
            summary=f"lookup brake: {brake.limit()} {brake.label} in the window",
        )
    return too_many()


def require_room(user, brake: Brake) -> None:
    """429 if ``user`` has no answer of this kind left in the window (asked before a request
    that could give one, so an over-limit user learns nothing — not even "free")."""
    if used(user, brake) >= brake.limit():
        raise _refuse(user, brake)


def answer(user, brake: Brake, summary: str, *, object_id: str = "") -> AuditLog:
    """Count the answer about to be given: under a lock of the user's row, refuse (429) if the
    window is full, else record it (committed unless the caller holds a transaction)."""
    with transaction.atomic():
        if getattr(user, "pk", None) is not None:
            locks.lock(User, pk=user.pk)
        full = used(user, brake) >= brake.limit()
        if not full:
            return audit.record(
                user,
                AuditLog.Action.VIEW,
                object_type=brake.object_type,
                object_id=object_id,
                summary=summary,
            )
    raise _refuse(user, brake)  # after the block, so the refusal's audit row stays


def existence_answered(user, exc: DomainError, *, object_id: str = "") -> None:
    """A ``duplicate_phone`` / ``duplicate_id_number`` refusal is about to be answered: count
    it (or turn it into a 429). The audit row's id rides on the exception, so a caller whose
    own transaction rolled it back can write it again (:func:`settle`)."""
    if exc.code not in EXISTENCE_CODES:
        return
    row = answer(
        user, EXISTENCE, f"{exc.code} answered (409): field {exc.field}", object_id=object_id
    )
    exc.audit_id = row.pk  # type: ignore[attr-defined]


def settle(user, exc: DomainError) -> None:
    """After the caller's transaction rolled back: make sure the existence answer is recorded
    (the API's Idempotency-Key wraps the create in its own transaction)."""
    audit_id = getattr(exc, "audit_id", None)
    if audit_id is None or AuditLog.objects.filter(pk=audit_id).exists():
        return
    exc.audit_id = audit.record(  # type: ignore[attr-defined]
        user,
        AuditLog.Action.VIEW,
        object_type=EXISTENCE.object_type,
        summary=f"{exc.code} answered (409): field {exc.field}",
    ).pk
