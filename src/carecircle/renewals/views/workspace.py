"""The seat's workspace: queue, task page, call, quote, outcome. Thin views over services;
refusals come back as a message on the same page."""

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
from carecircle.core.roles import Perm, has_perm
from carecircle.value.public import reasons_for

from .. import selectors
from ..choices import Stage
from ..conf import renewal_settings
from ..forms import OutcomeForm, ProposalActionForm, QuoteForm
from ..lists import limits_for
from ..models import Contact, RenewalTask
from ..quote import compute, pricing_range
from ..services import acceptance, underwriting, workspace
from ..supervision.scope import can_supervise


def _worker(request: HttpRequest) -> Any:
    user = request.user
    if not (has_perm(user, Perm.WORK_RENEWALS) or can_supervise(user)):
        raise PermissionDenied("无续保作业权限 / you do not work renewals")
    return user


# Who holds a renewal is said to the task's assignee, to that person's team and to those who
# supervise the task; to anyone else (a leader or seat of another team, an agent) a refusal
# names nobody.
NAMELESS = {
    "not_assignee": "该续保由其他坐席负责 / this renewal belongs to another seat",
    "locked": "其他坐席正在处理该续保 / another seat has this task now",
}


def _said(refused: DomainError, task: RenewalTask, user: Any) -> str:
    if refused.code not in NAMELESS:
        return refused.message
    if refused.code == "locked":
        holder = RenewalTask.objects.select_related("locked_by").get(pk=task.pk).locked_by
    else:
        holder = task.assignee
    team = getattr(user, "team_id", None)
    if (
        holder is None
        or task.assignee_id == user.pk
        or (team and holder.team_id == team)
        or can_supervise(user, task)
    ):
        return refused.message
    return NAMELESS[refused.code]


def _task(request: HttpRequest, pk: int) -> RenewalTask:
    user = _worker(request)
    visible = RenewalTask.objects.restrict(user)
    return get_object_or_404(
        visible.select_related("customer", "policy__vehicle", "companion", "assignee", "proposal"),
        pk=pk,
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
        task = workspace.open_task(task, request.user)
    except DomainError as refused:
        return render(
            request,
            "renewals/locked.html",
            {"task": task, "message": _said(refused, task, request.user)},
            status=refused.status,
        )
    conf = renewal_settings()
    page = selectors.task_page(task, request.user)
    blocks = (
        selectors.call_violations(task, task.customer, clock.now(), conf) if task.is_open else []
    )
    if task.is_open and task.assignee_id == request.user.pk:
        underwriting.refer(task, request.user)  # a black-listed customer (#16); idempotent
    limits = limits_for(task)
    try:
        preview = compute(
            task, None, conf, include_commercial=limits.commercial_allowed, limits=limits
        )
    except DomainError:
        preview = None
    return render(
        request,
        "renewals/task.html",
        {
            "page": page,
            "task": task,
            "reasons": reasons_for(page.value) if page.value else [],
            "blocks": blocks,
            "preview": preview,
            "range": pricing_range(task.tier, conf, limits.floor),
            "limits": limits,
            "quote_form": QuoteForm(),
            "outcome_form": OutcomeForm(initial={"idempotency_key": uuid.uuid4().hex}),
            "pending_call": next((c for c in page.contacts if not c.outcome and c.call_id), None),
            "proposal": task.proposal,
            "pay_link": acceptance.pay_link(task.proposal) if task.proposal else "",
        },
    )


def _back(pk: int) -> HttpResponse:
    return redirect("renewals:task", pk=pk)


@login_required
@require_POST
def call(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    try:
        contact = workspace.place_call(task, request.user)
    except DomainError as refused:
        messages.error(request, _said(refused, task, request.user))
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
        made = workspace.make_quote(
            task,
            request.user,
            form.cleaned_data["pricing_coefficient"],
            compulsory_only=form.cleaned_data["compulsory_only"],
        )
    except DomainError as refused:
        messages.error(request, _said(refused, task, request.user))
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
        contact = get_object_or_404(
            Contact.objects.restrict(request.user), pk=data["contact"], task=task
        )
    try:
        workspace.record_outcome(
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
        messages.error(request, _said(refused, task, request.user))
        return _back(pk)
    messages.success(request, "结果已记录 / outcome recorded")
    if task.stage == Stage.DONE or data["outcome"] in workspace.CLOSING:
        return redirect("renewals:queue")
    return _back(pk)


@login_required
@require_POST
def proposal(request: HttpRequest, pk: int) -> HttpResponse:
    """The accepted offer awaiting payment: send the link again, or cancel the offer."""
    task = _task(request, pk)
    form = ProposalActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "无效操作 / unknown action")
        return _back(pk)
    try:
        workspace.require_worker(task, request.user)
        if form.cleaned_data["action"] == "resend":
            sent = acceptance.resend_link(task, request.user)
            messages.success(
                request,
                f"付款链接已发送（{sent.get_status_display()}）/ payment link sent ({sent.status})",
            )
        else:
            acceptance.withdraw(task, request.user, form.cleaned_data["reason"] or "")
            messages.success(request, "投保单已撤销 / the proposal is cancelled")
    except DomainError as refused:
        messages.error(request, _said(refused, task, request.user))
    return _back(pk)
