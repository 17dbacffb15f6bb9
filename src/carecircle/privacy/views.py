"""Privacy pages: the customer's rights on the phone (``my``: tier in words, requests, their
answers, the data copy) and the service manager's queue. Thin views over ``services``."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from carecircle.core import clock
from carecircle.core.access import Action
from carecircle.core.errors import DomainError
from carecircle.core.roles import Perm, has_perm

from . import selectors
from .choices import RequestKind, RequestStatus
from .forms import FORMS, AnswerForm, CorrectionForm, DeletionForm, ExportForm, ReviewForm
from .models import PrivacyRequest
from .services import erase, exports, requests


def _customer(request: HttpRequest) -> Any:
    user: Any = request.user
    if not getattr(user, "customer_id", None) or user.is_insurer_staff:
        raise PermissionDenied("仅限客户本人 / customers only")
    return user


def _my_page(
    request: HttpRequest, forms: dict[str, Any], error: DomainError | None = None, status: int = 200
):
    user = _customer(request)
    context = {
        "words": selectors.tier_in_words(user.customer_id),
        "requests": selectors.my_requests(user),
        "exports": selectors.my_exports(user),
        "now": clock.now(),
        "error": error,
        "review_form": forms.get(RequestKind.REVIEW) or ReviewForm(),
        "correction_form": forms.get(RequestKind.CORRECTION) or CorrectionForm(),
        "deletion_form": forms.get(RequestKind.DELETION) or DeletionForm(),
        "export_form": ExportForm(),
        "filed": request.GET.get("filed", ""),
    }
    return render(request, "privacy/my.html", context, status=status)


@require_GET
@login_required
def my(request: HttpRequest) -> HttpResponse:
    return _my_page(request, {})


@require_POST
@login_required
def my_request(request: HttpRequest) -> HttpResponse:
    user = _customer(request)
    kind = request.POST.get("kind", "")
    if kind not in FORMS:
        raise Http404("no such request kind")
    form = FORMS[kind](request.POST)
    if not form.is_valid():
        return _my_page(request, {kind: form}, status=400)
    try:
        filed = requests.submit(
            user.customer,
            acting_user=user,
            kind=kind,
            subject=form.cleaned_data.get("subject", ""),
            details=form.cleaned_data.get("details", ""),
        )
    except DomainError as exc:
        return _my_page(request, {kind: form}, error=exc, status=exc.status)
    return redirect(f"{reverse('privacy:my')}?filed={filed.pk}#request-{filed.pk}")


@require_GET
@login_required
def download(request: HttpRequest, export_id: int) -> HttpResponse:
    user = _customer(request)
    try:
        export, raw = exports.open_for(export_id, user)
    except DomainError as exc:
        if exc.status == 404:
            raise Http404(exc.message) from exc
        return _my_page(request, {}, error=exc, status=exc.status)
    response = HttpResponse(raw, content_type="application/zip")
    name = f"carecircle-my-data-{export.ready_at:%Y%m%d}.zip" if export.ready_at else "my-data.zip"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


# ---- staff: the queue --------------------------------------------------------------------------


def _handler(request: HttpRequest) -> Any:
    if not has_perm(request.user, Perm.HANDLE_COMPLAINTS):
        raise PermissionDenied("需要投诉处理权限 / needs the handle-complaints permission")
    return request.user


@require_GET
@login_required
def queue(request: HttpRequest) -> HttpResponse:
    user = _handler(request)
    today = clock.today()
    status = request.GET.get("status", RequestStatus.OPEN)
    context = {
        "rows": selectors.queue(user, status, today),
        "status": status,
        "today": today,
        "overdue": selectors.overdue_count(user, today),
        "statuses": [
            (RequestStatus.OPEN, RequestStatus.OPEN.label),
            ("overdue", "已超时 / Late"),
            (RequestStatus.ANSWERED, RequestStatus.ANSWERED.label),
        ],
    }
    return render(request, "privacy/queue.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def detail(request: HttpRequest, request_id: int) -> HttpResponse:
    user = _handler(request)
    r = get_object_or_404(
        PrivacyRequest.objects.restrict(user, Action.CHANGE).select_related(
            "customer", "answered_by", "escalated_to"
        ),
        pk=request_id,
    )
    form = AnswerForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            requests.answer(
                r,
                acting_user=user,
                decision=form.cleaned_data["decision"],
                text=form.cleaned_data["answer"],
            )
            return redirect("privacy:request", request_id=r.pk)
        except DomainError as exc:
            error = exc
    context = {
        "r": r,
        "form": form,
        "error": error,
        "today": clock.today(),
        "art87": erase.art87(r.customer_id) if r.kind == RequestKind.DELETION else None,
        "customer_name": r.customer.display_name_for(user),
    }
    return render(request, "privacy/detail.html", context, status=400 if error else 200)
