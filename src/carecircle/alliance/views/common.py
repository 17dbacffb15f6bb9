"""What the alliance pages share: the permission check, the refusal shown back on a page, the
status an htmx refusal answers with, and the one navigation entry (``home``) that sends each
role to its own alliance page."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET

from carecircle.core.errors import DomainError
from carecircle.core.roles import Perm, Role, has_perm

from ..rules import merchant_of


def need(request: HttpRequest, perm: Perm) -> Any:
    if not has_perm(request.user, perm):
        raise PermissionDenied("无权访问 / not allowed")
    return request.user


def back(url_name: str, message: str) -> HttpResponse:
    """Redirect back to a page with the refusal shown on it (forms without htmx)."""
    return redirect(f"{reverse(url_name)}?{urlencode({'error': message})}")


def htmx_status(request: HttpRequest, error: DomainError) -> int:
    # htmx swaps 2xx and 403 only (base.html): the refusal comes back as content.
    return 200 if request.htmx else error.status  # type: ignore[attr-defined]


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The one navigation entry: each role lands on its own alliance page."""
    user = request.user
    if has_perm(user, Perm.MANAGE_ALLIANCE):
        return redirect("alliance:dashboard")
    if merchant_of(user) is not None:
        return redirect("alliance:merchant_portal")
    if getattr(user, "role", None) == Role.CUSTOMER and user.customer_id:  # type: ignore[union-attr]
        return redirect("alliance:my_services")
    if has_perm(user, Perm.ISSUE_VOUCHERS):
        return redirect("alliance:issue")
    raise PermissionDenied("无权访问 / not allowed")
