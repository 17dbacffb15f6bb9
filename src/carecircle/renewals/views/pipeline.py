"""The supervisor's pipeline page: open renewals by stage, segment and seat, building today's
pipeline, and moving renewals between seats in bulk. Thin: parse, call one service, redirect."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from carecircle.core.errors import DomainError
from carecircle.core.roles import Perm, has_perm

from .. import selectors
from ..forms import ReassignForm
from ..models import RenewalTask
from ..services.assign import reassign
from ..services.pipeline import run_pipeline
from ..supervision.scope import can_supervise


def _supervisor(request: HttpRequest) -> Any:
    user = request.user
    if not can_supervise(user):
        raise PermissionDenied("仅限续保主管 / renewal supervisors only")
    return user


def _may_run(user: Any) -> bool:
    """The pipeline builds the whole book's renewals: head office's supervisors run it; a
    branch's supervisor works their subtree's renewals here but does not rebuild the book."""
    return has_perm(user, Perm.SUPERVISE_RENEWALS) and RenewalTask.objects.reaches_all(user)


@login_required
def pipeline(request: HttpRequest) -> HttpResponse:
    user = _supervisor(request)
    if request.method == "POST":
        if request.POST.get("action") == "reassign":
            form = ReassignForm(request.POST)
            if form.is_valid():
                to_user = get_object_or_404(
                    selectors.assignable_seats(user), pk=form.cleaned_data["to_user"]
                )
                tasks = RenewalTask.objects.restrict(user).filter(pk__in=form.cleaned_data["tasks"])
                try:
                    moved = reassign(list(tasks), to_user, user, form.cleaned_data["note"])
                    messages.success(request, f"已调整 {moved} 条 / {moved} renewals reassigned")
                except DomainError as refused:
                    messages.error(request, refused.message)
            else:
                messages.error(
                    request, " ".join(str(e) for e in form.errors.get("tasks", form.errors))
                )
        elif _may_run(user):
            run = run_pipeline()
            messages.success(request, f"续保清单已更新 / pipeline built: {run.counts}")
        return redirect("renewals:pipeline")
    summary = selectors.pipeline_summary(user)
    return render(
        request,
        "renewals/pipeline.html",
        {
            **summary,
            "can_run": _may_run(user),
        },
    )
