"""Audit trail: one call per change or sensitive view, inside the caller's transaction."""

from __future__ import annotations

from typing import Any

from django.db import models

from .models import AuditLog


def record(
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    *,
    object_type: str = "",
    object_id: str = "",
    summary: str = "",
    changes: dict | None = None,
) -> AuditLog:
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    return AuditLog.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        summary=summary[:255],
        changes=changes or {},
    )


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Field → [old, new] for the fields that changed, as JSON-safe strings."""
    return {
        k: [None if before.get(k) is None else str(before.get(k)), None if v is None else str(v)]
        for k, v in after.items()
        if before.get(k) != v
    }
