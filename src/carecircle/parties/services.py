"""State changes on parties. Each runs in one transaction, checks permission, writes the audit."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction

from carecircle.core import audit, pii
from carecircle.core.models import AuditLog
from carecircle.core.roles import Perm, has_perm

from .models import Customer

REVEALABLE = {"phone": "phone_encrypted", "id_number": "id_number_encrypted"}


def reveal_pii(customer: Customer, field: str, *, acting_user) -> str:
    """Full phone or ID number for a role that needs it; every reveal (and refusal) audited.

    ``customer`` must have been fetched through ``Customer.objects.for_user(acting_user)``.
    The refusal is recorded outside any transaction so raising does not roll it back.
    """
    if field not in REVEALABLE:
        raise ValueError(f"unknown personal-data field {field!r}")
    if not has_perm(acting_user, Perm.REVEAL_PII):
        audit.record(acting_user, AuditLog.Action.DENIED, customer, summary=f"reveal {field}")
        raise PermissionDenied("无权查看完整个人信息 / not allowed to see full personal data")
    with transaction.atomic():
        token = getattr(customer, REVEALABLE[field])
        audit.record(acting_user, AuditLog.Action.REVEAL_PII, customer, summary=f"reveal {field}")
        return pii.decrypt(token) if token else ""
