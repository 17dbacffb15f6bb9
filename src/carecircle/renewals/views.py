"""The seat's workspace: queue, task page, call, quote, outcome; the pipeline page for
supervisors. Thin views over services; refusals come back as a message on the same page."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from carecircle.core import clock
from carecircle.core.errors import DomainError
from carecircle.core.models import User
from carecircle.core.roles import Perm, has_perm
from carecircle.value import reasons

from . import compliance, selectors, services
from .conf import renewal_settings
from .forms import OutcomeForm, QuoteForm, ReassignForm
from .models import Contact, RenewalTask, Stage
from .quote import compute, pricing_range


def _worker(request: HttpRequest) -> Any:
    user = request.user
    if not (has_perm(user, Perm.WORK_RENEWALS) or services.can_supervise(user)):
        raise PermissionDenied("无续保作业权限 / you do not work renewals")
    return user


def _task(request: HttpRequest, pk: int) -> RenewalTask:
    user = _worker(request)
    visible = RenewalTask.objects.restrict(user)
    return get_object_or_404(
        visible.select_related("customer", "policy__vehicle", "companion", "assignee"), pk=pk
    )


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    user = _worker(request)
    now = clock.now()
    tasks = selectors.queue(user, now)
    callable_now = sum(1 for t in tasks if t.due_rank < 2 and not t.no_calls)  # type: ignore[attr-defined,misc]
    return render(
        request,
        "renewals/queue.html",
        {
            "tasks": tasks,
            "now": now,
            "callable": callable_now,
        },
    )


@login_required
@require_GET
def task(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    try:
        task = services.open_task(task, request.user)
    except DomainError as refused:
        return render(
            request,
            "renewals/locked.html",
            {"task": task, "message": refused.message},
            status=refused.status,
        )
    conf = renewal_settings()
    page = selectors.task_page(task, request.user)
    blocks = compliance.violations(task, task.customer, clock.now(), conf) if task.is_open else []
    try:
        preview = compute(task, None, conf)
    except DomainError:
        preview = None
    return render(
        request,
        "renewals/task.html",
        {
            "page": page,
            "task": task,
            "reasons": reasons.render(page.value) if page.value else [],
            "blocks": blocks,
            "preview": preview,
            "range": pricing_range(task.tier, conf),
            "quote_form": QuoteForm(),
            "outcome_form": OutcomeForm(initial={"idempotency_key": uuid.uuid4().hex}),
            "pending_call": next((c for c in page.contacts if not c.outcome and c.call_id), None),
        },
    )


def _back(pk: int) -> HttpResponse:
    return redirect("renewals:task", pk=pk)


@login_required
@require_POST
def call(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    try:
        contact = services.place_call(task, request.user)
    except DomainError as refused:
        messages.error(request, refused.message)
        return _back(pk)
    if contact.connected:
        messages.success(
            request,
            f"已接通，录音 {contact.recording_ref} / connected, recording {contact.recording_ref}",
        )
    else:
        messages.warning(request, "未接通 / not answered")
    return _back(pk)


@login_required
@require_POST
def quote(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    form = QuoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, "系数格式不正确 / the coefficient is not a number")
        return _back(pk)
    try:
        made = services.make_quote(task, request.user, form.cleaned_data["pricing_coefficient"])
    except DomainError as refused:
        messages.error(request, refused.message)
        return _back(pk)
    messages.success(request, f"报价 ¥{made.total:,.2f} / quoted ¥{made.total:,.2f}")
    return _back(pk)


@login_required
@require_POST
def outcome(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    form = OutcomeForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            "; ".join(f"{k}: {', '.join(str(e) for e in v)}" for k, v in form.errors.items()),
        )
        return _back(pk)
    data = form.cleaned_data
    contact = None
    if data["contact"]:
        contact = get_object_or_404(Contact, pk=data["contact"], task=task)
    try:
        services.record_outcome(
            task,
            request.user,
            data["outcome"],
            idempotency_key=data["idempotency_key"],
            contact=contact,
            callback_at=data["callback_at"],
            lost_reason=data["lost_reason"] or "",
            competitor=data["competitor"] or "",
            competitor_price=data["competitor_price"],
            note=data["note"] or "",
        )
    except DomainError as refused:
        messages.error(request, refused.message)
        return _back(pk)
    messages.success(request, "结果已记录 / outcome recorded")
    if task.stage == Stage.DONE or data["outcome"] in services.CLOSING:
        return redirect("renewals:queue")
    return _back(pk)


def _supervisor(request: HttpRequest) -> Any:
    user = request.user
    if not services.can_supervise(user):
        raise PermissionDenied("仅限续保主管 / renewal supervisors only")
    return user


@login_required
def pipeline(request: HttpRequest) -> HttpResponse:
    user = _supervisor(request)
    if request.method == "POST":
        if request.POST.get("action") == "reassign":
            form = ReassignForm(request.POST)
            if form.is_valid():
                to_user = get_object_or_404(User, pk=form.cleaned_data["to_user"])
                tasks = RenewalTask.objects.restrict(user).filter(pk__in=form.cleaned_data["tasks"])
                try:
                    moved = services.reassign(list(tasks), to_user, user, form.cleaned_data["note"])
                    messages.success(request, f"已调整 {moved} 条 / {moved} renewals reassigned")
                except DomainError as refused:
                    messages.error(request, refused.message)
            else:
                messages.error(
                    request, " ".join(str(e) for e in form.errors.get("tasks", form.errors))
                )
        elif has_perm(user, Perm.SUPERVISE_RENEWALS):
            from .pipeline import run_pipeline

            run = run_pipeline()
            messages.success(request, f"续保清单已更新 / pipeline built: {run.counts}")
        return redirect("renewals:pipeline")
    summary = selectors.pipeline_summary(user)
    return render(
        request,
        "renewals/pipeline.html",
        {
            **summary,
            "can_run": has_perm(user, Perm.SUPERVISE_RENEWALS),
        },
    )
