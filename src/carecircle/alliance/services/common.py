"""What every alliance service checks first: the acting user's permission."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from carecircle.core.roles import Perm, has_perm


def require(user, perm: Perm) -> None:
    if not has_perm(user, perm):
        raise PermissionDenied("无权执行此操作 / you are not allowed to do this")
