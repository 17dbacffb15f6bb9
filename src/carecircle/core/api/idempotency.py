"""``Idempotency-Key`` on POST creates: the same key from the same user returns the object
created the first time instead of creating it again."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.db import IntegrityError, models, transaction
from django.http import HttpRequest

from carecircle.core.errors import DomainError
from carecircle.core.models import IdempotencyKey

from .auth import acting_user

M = TypeVar("M", bound=models.Model)
HEADER = "Idempotency-Key"


def create_once(
    request: HttpRequest, queryset: models.QuerySet[M], create: Callable[[], M]
) -> tuple[M, bool]:
    """(object, created). ``queryset`` is the user's scoped queryset the replay is read from."""
    key = (request.headers.get(HEADER) or "").strip()
    if not key:
        return create(), True
    if len(key) > 128:
        raise DomainError(
            "idempotency_key", "幂等键过长（最多128字符）/ key longer than 128", HEADER
        )
    user = acting_user(request)
    scope = queryset.model._meta.label_lower
    previous = IdempotencyKey.objects.filter(user=user, key=key).first()
    if previous is None:
        try:
            with transaction.atomic():
                obj = create()
                IdempotencyKey.objects.create(
                    user=user, key=key, scope=scope, object_id=str(obj.pk)
                )
            return obj, True
        except IntegrityError:
            # A concurrent request with the same key won the race; its object is the answer.
            previous = IdempotencyKey.objects.filter(user=user, key=key).first()
            if previous is None:
                raise
    if previous.scope != scope:
        raise DomainError(
            "idempotency_key_reused",
            "该幂等键已用于另一类对象 / this Idempotency-Key was used for another kind of object",
            HEADER,
            status=409,
        )
    return queryset.get(pk=previous.object_id), False
