"""The survey a customer answers from the link in the invitation (no login), and the results
per touchpoint, staff, partner and branch for managers."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from carecircle.core import clock, dates
from carecircle.core.errors import DomainError
from carecircle.core.roles import Perm, has_perm

from .. import selectors
from ..choices import SurveyMoment, SurveyStatus
from ..services import surveys


def _int(value: str | None) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError:
        return -1


@require_http_methods(["GET", "POST"])
def survey(request: HttpRequest, token: str) -> HttpResponse:
    found = surveys.survey_from(token)
    if found is None:
        return render(request, "touchpoints/survey.html", {"state": "invalid"}, status=404)
    state, error, status = "open", None, 200
    if found.answered_at is not None:
        state, status = "answered", 409 if request.method == "POST" else 200
    elif found.expires_at <= clock.now() or found.status == SurveyStatus.NOT_SENT:
        state, status = "expired", 410
    if request.method == "POST" and state == "open":
        try:
            surveys.answer(
                found,
                csat=_int(request.POST.get("csat")) or 0,
                nps=_int(request.POST.get("nps")),
                comment=request.POST.get("comment", ""),
            )
            state = "thanks"
        except DomainError as exc:
            error, status = exc, exc.status
            if exc.code == "already_answered":
                state = "answered"
            elif exc.code == "survey_expired":
                state = "expired"
    words = surveys.MOMENT_WORDS[SurveyMoment(found.moment)]
    context = {
        "s": found,
        "state": state,
        "error": error,
        "moment_zh": words[0],
        "moment_en": words[1],
        "nps_range": range(11),
        "csat_range": range(1, 6),
    }
    return render(request, "touchpoints/survey.html", context, status=status)


@require_GET
@login_required
def survey_results(request: HttpRequest) -> HttpResponse:
    if not (
        has_perm(request.user, Perm.VIEW_COCKPIT) or has_perm(request.user, Perm.HANDLE_COMPLAINTS)
    ):
        raise PermissionDenied("无权查看 / not allowed")
    month = dates.parse_month(request.GET.get("month")) or dates.first_of(clock.today())
    by = request.GET.get("by", "touchpoint")
    if by not in selectors.SURVEY_GROUPS:
        by = "touchpoint"
    _, _, start, end = dates.month_bounds(month)
    context = {
        "rows": selectors.survey_results(start, end, by, request.user),
        "by": by,
        "groups": list(selectors.SURVEY_GROUPS),
        "month": month,
        "months": dates.months_back(dates.first_of(clock.today()), 12),
        "referrals": selectors.referral_summary(start, end, request.user),
    }
    return render(request, "touchpoints/survey_results.html", context)
