"""Value pages: tier review queue, grey/black lists. Thin views.

Insurer staff only; what each sees is scoped with ``restrict`` (a seat: their customers).
Deciding needs ``Perm.DECIDE_TIERS`` / ``Perm.DECIDE_LISTS``; the services check it again.
Actions post with htmx and get the changed row back; without JavaScript the form posts
normally and is redirected back.  A refused step comes back as the row with the message:
htmx does not swap 4xx other than 403 here (``base.html``), so htmx gets 200 (403 when
refused), other clients the error's status. The portfolio page is desk's
(``desk:portfolio``, still at ``/value/``): it sits on desk's read model.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_POST

from carecircle.core import clock
from carecircle.core.errors import DomainError
from carecircle.core.roles import Perm, has_perm

from .. import reasons
from ..models import CustomerValue, ListEntry, ListEvent, ListStatus, ReviewStatus, TierReview
from ..models.lists import OPEN_LIST_STATUSES
from ..services import decisions

PAGE = 50


def _staff(request: HttpRequest) -> Any:
    user = request.user
    if not getattr(user, "is_insurer_staff", False):
        raise PermissionDenied("仅限保险公司员工 / insurer staff only")
    return user


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


# ---------------------------------------------------------------- tier reviews


def _with_values(reviews: list[TierReview], user: Any) -> list[TierReview]:
    """Attach each customer's current value and rendered reasons (one query for the page)."""
    values = {
        v.customer_id: v
        for v in CustomerValue.objects.current()
        .restrict(user)
        .filter(customer_id__in=[r.customer_id for r in reviews])
    }
    for review in reviews:
        value = values.get(review.customer_id)
        review.value = value  # type: ignore[attr-defined]
        review.reasons = reasons.render(value) if value else []  # type: ignore[attr-defined]
    return reviews


@require_GET
@login_required
def reviews(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    number = _page_number(request)
    start = (number - 1) * PAGE
    # Oldest first: a review waits in turn; LIMIT PAGE + 1 says if a next page exists.
    found = list(
        TierReview.objects.restrict(user)
        .filter(status=ReviewStatus.PENDING)
        .select_related("customer")
        .order_by("created_at", "id")[start : start + PAGE + 1]
    )
    context = {
        "reviews": _with_values(found[:PAGE], user),
        "number": number,
        "has_next": len(found) > PAGE,
        "can_decide": has_perm(user, Perm.DECIDE_TIERS),
    }
    return render(request, "value/reviews.html", context)


def _respond(
    request: HttpRequest, template: str, context: dict[str, Any], back: str, error: Any = None
) -> HttpResponse:
    if request.htmx:  # type: ignore[attr-defined]
        # 403 is swapped by base.html's htmx config, other 4xx are not: a refused step of
        # the workflow comes back as 200 with the message in the row.
        status = 403 if isinstance(error, PermissionDenied) else 200
        response = render(request, template, {**context, "error": error}, status=status)
        patch_vary_headers(response, ("HX-Request",))
        return response
    if error is None:
        return redirect(back)
    status = getattr(error, "status", 403)
    return render(request, "value/refused.html", {"error": error, "back": back}, status=status)


@require_POST
@login_required
def review_decide(request: HttpRequest, review_id: int) -> HttpResponse:
    user = _staff(request)
    approve = request.POST.get("decision") == "approve"
    error: Any = None
    try:
        decisions.decide_tier_review(
            review_id, approve=approve, note=request.POST.get("note", ""), acting_user=user
        )
    except (DomainError, PermissionDenied) as exc:
        error = exc
    found = TierReview.objects.restrict(user).select_related("customer").filter(pk=review_id)
    shown = _with_values(list(found), user)
    context = {
        "review": shown[0] if shown else None,
        "can_decide": has_perm(user, Perm.DECIDE_TIERS),
    }
    return _respond(request, "value/_review.html", context, reverse("value:reviews"), error)


# ---------------------------------------------------------------- lists


def _entries(user: Any):
    events = ListEvent.objects.select_related("actor").order_by("at", "id")
    return (
        ListEntry.objects.restrict(user)
        .select_related("customer", "decided_by")
        .prefetch_related(Prefetch("events", queryset=events))
    )


def _entry_context(user: Any, entry: ListEntry | None) -> dict[str, Any]:
    return {
        "entry": entry,
        "can_decide": has_perm(user, Perm.DECIDE_LISTS),
        "default_expiry": clock.today() + dt.timedelta(days=365),
    }


@require_GET
@login_required
def lists(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    status = request.GET.get("status", "")
    shown = [status] if status in ListStatus.values else list(OPEN_LIST_STATUSES)
    number = _page_number(request)
    start = (number - 1) * PAGE
    found = list(
        _entries(user)
        .filter(status__in=shown)
        .order_by("-proposed_at", "-id")[start : start + PAGE + 1]
    )
    context = {
        **_entry_context(user, None),
        "entries": found[:PAGE],
        "status": status,
        "statuses": ListStatus.choices,
        "number": number,
        "has_next": len(found) > PAGE,
    }
    return render(request, "value/lists.html", context)


@require_POST
@login_required
def list_action(request: HttpRequest, entry_id: int, action: str) -> HttpResponse:
    user = _staff(request)
    note = request.POST.get("note", "")
    error: Any = None
    try:
        if action == "approve":
            raw = request.POST.get("expires_on", "")
            try:
                expires = dt.date.fromisoformat(raw) if raw else None
            except ValueError:
                expires = None
            decisions.approve_list_entry(entry_id, expires_on=expires, note=note, acting_user=user)
        elif action == "reject":
            decisions.reject_list_entry(entry_id, note=note, acting_user=user)
        elif action == "appeal":
            decisions.appeal_list_entry(entry_id, text=note, acting_user=user)
        elif action in ("uphold", "revoke"):
            decisions.decide_appeal(
                entry_id, uphold=action == "uphold", note=note, acting_user=user
            )
        else:
            error = DomainError("unknown_action", "未知操作 / unknown action", status=404)
    except (DomainError, PermissionDenied) as exc:
        error = exc
    entry = _entries(user).filter(pk=entry_id).first()
    return _respond(
        request, "value/_entry.html", _entry_context(user, entry), reverse("value:lists"), error
    )
