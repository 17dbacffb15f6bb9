"""Notify pages: the unsubscribe link (no login; a confirmation page, then a POST), the message log and the letters a
person posts for legal notices no channel delivered (staff)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from carecircle.core import clock
from carecircle.core.errors import DomainError
from carecircle.core.roles import Perm, has_perm

from . import links, selectors, services
from .choices import BlockReason, MessageStatus
from .forms import LetterPostedForm
from .models import LetterTask, Message
from .services import legal


def _linked(request: HttpRequest, token: str) -> tuple[Message | None, HttpResponse | None]:
    """The message the link names, or the page to answer instead: 404 for a token that is not
    ours, 410 "link expired" (with the way to manage preferences) for one past
    ``UNSUBSCRIBE_LINK_DAYS`` — an expired link changes nothing, whatever the method."""
    message = selectors.message_for_link(token)
    if message is None:
        return None, render(request, "notify/unsubscribe.html", {"invalid": True}, status=404)
    if links.link_expired(message, clock.now()):
        return None, render(request, "notify/unsubscribe.html", {"expired": True}, status=410)
    return message, None


# CSRF-exempt on purpose: a mail client's RFC 8058 one-click unsubscribe is a POST with the body
# ``List-Unsubscribe=One-Click`` and no cookie or CSRF token.  The signed token in the URL is the
# authority (only the message's recipient has it; it names one message and expires), so a
# forged cross-site POST without it does nothing, and one with it could only do what the
# recipient may do anyway.  GET never changes anything (mail scanners open every link).
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET: the confirmation page (nothing changes); POST — the page's button or a mail
    client's one-click — unsubscribes from marketing; the answer offers to undo it."""
    message, answer = _linked(request, token)
    if answer is not None:
        return answer
    assert message is not None
    if request.method == "GET":
        return render(request, "notify/unsubscribe.html", {"token": token, "confirm": True})
    services.unsubscribe(message.customer, via_message=message)
    return render(request, "notify/unsubscribe.html", {"token": token, "done": "unsubscribed"})


@csrf_exempt  # as above: the signed, expiring token is the credential
@require_POST
def resubscribe(request: HttpRequest, token: str) -> HttpResponse:
    message, answer = _linked(request, token)
    if answer is not None:
        return answer
    assert message is not None
    services.resubscribe(message.customer)
    return render(request, "notify/unsubscribe.html", {"token": token, "done": "resubscribed"})


PAGE = 100


def _sender(request: HttpRequest) -> None:
    if not has_perm(request.user, Perm.SEND_MESSAGES):
        raise PermissionDenied("需要消息推送权限 / needs the send-messages permission")


def _letter_poster(request: HttpRequest) -> None:
    if not legal.may_post_letters(request.user):
        raise PermissionDenied(legal.LETTERS_REFUSED)


@require_GET
@login_required
def message_log(request: HttpRequest) -> HttpResponse:
    _sender(request)
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


def _letters_page(request: HttpRequest, *, form=None, error=None, failed_pk=None, status=200):
    context = {
        "open_letters": list(selectors.letter_tasks(request.user)[:PAGE]),
        "posted_letters": list(selectors.letter_tasks(request.user, posted=True)[:20]),
        "form": form or LetterPostedForm(),
        "error": error,
        "failed_pk": failed_pk,
    }
    return render(request, "notify/letters.html", context, status=status)


@require_GET
@login_required
def letters(request: HttpRequest) -> HttpResponse:
    """Open letter tasks, the longest waiting first, and the ones posted lately."""
    _letter_poster(request)
    return _letters_page(request)


@require_POST
@login_required
def letter_posted(request: HttpRequest, pk: int) -> HttpResponse:
    """A person records that the letter was posted, with its tracking number."""
    _letter_poster(request)
    task = get_object_or_404(LetterTask.objects.restrict(request.user), pk=pk)
    form = LetterPostedForm(request.POST)
    if not form.is_valid():
        return _letters_page(request, form=form, failed_pk=task.pk, status=400)
    try:
        legal.record_letter_posted(
            task, tracking_no=form.cleaned_data["tracking_no"], acting_user=request.user
        )
    except DomainError as exc:
        return _letters_page(request, form=form, error=exc, failed_pk=task.pk, status=exc.status)
    return redirect("notify:letters")
