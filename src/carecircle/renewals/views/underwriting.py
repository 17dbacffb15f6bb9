"""The underwriter's pages (核保, #16): the referral queue of their unit's subtree and the
decision page. Thin views over ``services.underwriting``; refusals come back as a message."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from carecircle.core.errors import DomainError
from carecircle.core.roles import Perm, has_perm

from ..forms import UnderwritingDecisionForm
from ..models import ReferralStatus, UnderwritingReferral
from ..services import underwriting


def _underwriter(request: HttpRequest) -> Any:
    if not has_perm(request.user, Perm.UNDERWRITE):
        raise PermissionDenied("无核保权限 / you do not underwrite")
    return request.user


def _visible(user: Any):
    return UnderwritingReferral.objects.restrict(user).select_related(
        "task__policy__vehicle", "task__assignee", "customer", "unit", "decided_by"
    )


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    user = _underwriter(request)
    status = request.GET.get("status", ReferralStatus.PENDING)
    rows = _visible(user)
    if status in ReferralStatus.values:
        rows = rows.filter(status=status)
    return render(
        request,
        "renewals/underwriting/queue.html",
        {
            "referrals": rows.order_by("task__expiry_date", "referred_at")[:500],
            "status": status,
            "statuses": ReferralStatus.choices,
        },
    )


@login_required
@require_GET
def referral(request: HttpRequest, pk: int) -> HttpResponse:
    user = _underwriter(request)
    found = get_object_or_404(_visible(user), pk=pk)
    return render(
        request,
        "renewals/underwriting/referral.html",
        {"referral": found, "form": UnderwritingDecisionForm()},
    )


@login_required
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    user = _underwriter(request)
    found = get_object_or_404(_visible(user), pk=pk)
    form = UnderwritingDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择接受或拒保 / choose accept or decline")
        return redirect("renewals:underwriting_referral", pk=found.pk)
    data = form.cleaned_data
    try:
        done = underwriting.decide(
            found.pk,
            accept=data["decision"] == "accept",
            acting_user=user,
            min_pricing=data["min_pricing"],
            excess_note=data["excess_note"] or "",
            excluded_coverages=data["excluded_coverages"] or "",
            reason=data["reason"] or "",
        )
    except DomainError as refused:
        messages.error(request, refused.message)
        return redirect("renewals:underwriting_referral", pk=found.pk)
    messages.success(request, f"已决定：{done.get_status_display()} / decided: {done.status}")
    return redirect("renewals:underwriting_referral", pk=found.pk)
