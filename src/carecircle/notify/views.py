"""Notify pages: the one-step unsubscribe link (no login) and the message log (staff)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from carecircle.core.roles import Perm, has_perm

from . import selectors, services
from .choices import BlockReason, MessageStatus


@csrf_exempt  # the signed token is the credential; mail clients post one-click (RFC 8058)
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """Opening the link unsubscribes at once (one step); the page offers to undo it."""
    message = selectors.message_for_link(token)
    if message is None:
        return render(request, "notify/unsubscribe.html", {"invalid": True}, status=404)
    services.unsubscribe(message.customer, via_message=message)
    return render(request, "notify/unsubscribe.html", {"token": token, "done": "unsubscribed"})


@csrf_exempt
@require_POST
def resubscribe(request: HttpRequest, token: str) -> HttpResponse:
    message = selectors.message_for_link(token)
    if message is None:
        return render(request, "notify/unsubscribe.html", {"invalid": True}, status=404)
    services.resubscribe(message.customer)
    return render(request, "notify/unsubscribe.html", {"token": token, "done": "resubscribed"})


PAGE = 100


@require_GET
@login_required
def message_log(request: HttpRequest) -> HttpResponse:
    if not has_perm(request.user, Perm.SEND_MESSAGES):
        raise PermissionDenied("需要消息推送权限 / needs the send-messages permission")
    status = request.GET.get("status", "")
    reason = request.GET.get("reason", "")
    kind = request.GET.get("kind", "")
    messages = selectors.message_log(request.user, status=status, reason=reason, kind=kind)
    context = {
        "messages_page": list(messages[:PAGE]),
        "statuses": MessageStatus.choices,
        "reasons": BlockReason.choices,
        "status": status,
        "reason": reason,
        "kind": kind,
    }
    return render(request, "notify/log.html", context)
