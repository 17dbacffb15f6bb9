"""Claims staff pages: the worklist, the claim page with its timeline and one form per allowed
step, the approver's queue, the manager's dashboard and report (with its Excel export). Thin:
parse, one service, render."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from carecircle.core import clock, excel
from carecircle.core.errors import DomainError
from carecircle.core.models import HolidayDay, HolidayYear
from carecircle.core.roles import Perm, has_perm
from carecircle.core.unit_scope import unit_scope_for

from .. import rules, selectors, services
from ..choices import AcceptanceChannel, Action
from ..exports import report_workbook
from ..models import Claim, ClaimFlag
from ..selectors import network
from ..selectors.reserves import reserve_report
from ..services.clocks import unscheduled_years
from ..services.effects import documents_outstanding, requested_this_round
from .bank import payment_section
from .reserves import reserve_period, reserve_section

# Which fields each staff action's form asks for (besides the reason).
ACTION_FIELDS: dict[str, list[tuple[str, str, str]]] = {
    Action.SURVEY: [("survey_mode", "查勘方式 / survey", "select:on_site,remote")],
    # The case reserve opens at 立案 unless the customer's estimate opened it (issue #16).
    Action.REGISTER: [("reserve", "立案估损 / first reserve", "money")],
    Action.REOPEN: [
        ("reserve", "重开估损(空=恢复结案时释放额) / reserve (empty: as released)", "money")
    ],
    Action.ASSESS: [
        ("parts", "配件 / parts", "money"),
        ("labour", "工时 / labour", "money"),
        ("paint", "喷漆 / paint", "money"),
    ],
    Action.ADJUST: [
        ("liability_share", "责任比例 / liability share", "text:1"),
        ("other_vehicle_damage", "对方车损 / other car", "money"),
        ("third_party_property", "其他财产 / other property", "money"),
        ("medical", "医疗费 / medical", "money"),
        ("death_disability", "死亡伤残 / death, disability", "money"),
        ("deductible", "免赔额 / deductible", "money"),
        ("all_parties_at_fault", "各方均有责 / all parties at fault", "check"),
    ],
    Action.FOLLOW_UP: [("satisfaction", "满意度1-5 / satisfaction", "text:5")],
    # Art 23: the payment clock starts when the customer agrees the amount; a handler records
    # an acceptance given off the phone page, with how it was given.
    Action.ACCEPT_OFFER: [("via", "接受方式 / accepted how", "via")],
}
EVENT_ACTIONS = [
    Action.REQUEST_DOCUMENTS,
    Action.DOCUMENTS_COMPLETE,
    Action.REJECTION_NOTICE,
    Action.ACCEPT_OFFER,
]
# How a handler may record the customer's acceptance (the phone page records its own).
VIA_CHOICES = [(c.value, c.label) for c in AcceptanceChannel if c != AcceptanceChannel.PHONE_PAGE]


def _staff(request: HttpRequest) -> None:
    if not has_perm(request.user, Perm.HANDLE_CLAIMS):
        raise PermissionDenied("理赔人员使用 / for claims staff")


def _claim(request: HttpRequest, claim_id: int) -> Claim:
    return get_object_or_404(selectors.claims_for(request.user), pk=claim_id)


@require_GET
@login_required
def worklist(request: HttpRequest) -> HttpResponse:
    _staff(request)
    view = request.GET.get("view", "mine")
    if view not in ("mine", "all", "flagged", "breached", "late"):
        view = "mine"
    units = unit_scope_for(request)
    claims = list(selectors.worklist(request.user, view, units)[:200])
    ctx = {"claims": claims, "view": view, "units": units, "unit_keep": [("view", view)]}
    return render(request, "claims/worklist.html", ctx)


def _forms_for(claim: Claim, user) -> list[dict[str, Any]]:
    out = []
    approver = has_perm(user, Perm.APPROVE_CLAIMS)
    for action in rules.allowed_actions(claim.status, claim.injury) + [
        a for a in EVENT_ACTIONS if claim.status in rules.STEPS[a].sources
    ]:
        step = rules.STEPS[action]
        if action == Action.PAY:  # its own form with an idempotency key
            continue
        if step.approver_only and not approver:
            continue
        if action == Action.REQUEST_DOCUMENTS and requested_this_round(claim):
            continue  # one notice per round (Art 22); a reopened claim may send one more
        if action == Action.ACCEPT_OFFER and (claim.offer_accepted_at or not claim.amount_approved):
            continue
        if (
            action == Action.DOCUMENTS_COMPLETE
            and claim.documents_complete_at
            and not claim.waiting_since
            and not documents_outstanding(claim)
        ):
            continue
        if action == Action.REJECTION_NOTICE and claim.rejection_notice_at:
            continue
        out.append(
            {
                "action": action,
                "label": Action(action).label,
                "needs_reason": step.needs_reason,
                "fields": _fields(claim, action),
                "danger": action in (Action.REJECT, Action.WITHDRAW),
            }
        )
    return out


def _fields(claim: Claim, action: str) -> list[tuple[str, str, str]]:
    """The action's form fields; the adjustment starts from the liability the claim records
    (the reporter's 主责 0.7, say), not from full liability."""
    fields = ACTION_FIELDS.get(action, [])
    if action == Action.ADJUST and claim.liability_share is not None:
        share = f"{claim.liability_share.normalize():f}"
        fields = [(n, lb, f"text:{share}" if n == "liability_share" else k) for n, lb, k in fields]
    return fields


def _detail_context(request: HttpRequest, claim: Claim, **extra: Any) -> dict[str, Any]:
    return {
        "claim": claim,
        "customer": claim.policy.customer,
        "timeline": claim.transitions.select_related("actor").order_by("at", "id"),
        "documents": claim.documents.all(),
        "flags": claim.flags.all(),
        "payments": claim.payments.all(),
        "forms": _forms_for(claim, request.user),
        "shops": network.shops(),
        "allowed": [Action(a).label for a in rules.allowed_actions(claim.status, claim.injury)],
        "adjustment": claim.adjustment or {},
        "advance": _advance_form(claim, request.user),
        "via_choices": VIA_CHOICES,
        **payment_section(claim, request.user),
        **reserve_section(claim, request.user),
        **extra,
    }


def _advance_form(claim: Claim, user) -> dict[str, Any] | None:
    """先予支付 (Art 25) for approvers while the amount is still being decided. The key is
    fixed when the page is drawn: a double submit of this page pays once, a later page (after
    one advance) offers the next."""
    if not has_perm(user, Perm.APPROVE_CLAIMS):
        return None
    if claim.status not in rules.STEPS[Action.ADVANCE_PAYMENT].sources:
        return None
    done = sum(1 for p in claim.payments.all() if p.kind == "advance")
    return {"key": f"web:{claim.pk}:advance:{claim.reopen_count}:{done + 1}"}


@require_GET
@login_required
def detail(request: HttpRequest, claim_id: int) -> HttpResponse:
    _staff(request)
    claim = _claim(request, claim_id)
    return render(request, "claims/detail.html", _detail_context(request, claim))


@require_POST
@login_required
def act(request: HttpRequest, claim_id: int) -> HttpResponse:
    """One transition from the claim page's forms."""
    _staff(request)
    claim = _claim(request, claim_id)
    action = request.POST.get("action", "")
    reason = request.POST.get("reason", "")
    data: dict[str, Any] = {
        k: v
        for k, v in request.POST.items()
        if k not in ("action", "reason", "csrfmiddlewaretoken") and v != ""
    }
    try:
        if action == Action.PAY:
            services.pay(claim, acting_user=request.user, idempotency_key=request.POST.get("key"))
        elif action == Action.ADVANCE_PAYMENT:
            services.pay_advance(
                claim, data.get("amount"), acting_user=request.user, idempotency_key=data.get("key")
            )
        elif action == Action.APPROVE:
            services.approve(claim, acting_user=request.user, reason=reason)
        elif action == "review_flag":
            flag = ClaimFlag.objects.get(pk=str(data.get("flag_id", "0")), claim=claim)
            services.review_flag(
                flag, acting_user=request.user, confirmed=data.get("confirmed") == "1", note=reason
            )
        elif action == "upload":
            services.upload_documents(
                claim,
                request.FILES.getlist("file"),
                acting_user=request.user,
                kind=str(data.get("kind", "document")),
            )
        else:
            services.transition(claim, action, acting_user=request.user, reason=reason, data=data)
    except (DomainError, PermissionDenied, ClaimFlag.DoesNotExist) as exc:
        claim = _claim(request, claim_id)
        ctx = _detail_context(request, claim, error=getattr(exc, "message", str(exc)))
        return render(request, "claims/detail.html", ctx, status=400)
    return redirect("claims:detail", claim_id=claim.pk)


@require_GET
@login_required
def approvals(request: HttpRequest) -> HttpResponse:
    if not has_perm(request.user, Perm.APPROVE_CLAIMS):
        raise PermissionDenied("核赔人使用 / for approvers")
    units = unit_scope_for(request)
    claims = selectors.approval_queue(request.user, units)
    return render(request, "claims/approvals.html", {"claims": claims, "units": units})


@require_GET
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    if not (
        has_perm(request.user, Perm.APPROVE_CLAIMS) or has_perm(request.user, Perm.VIEW_COCKPIT)
    ):
        raise PermissionDenied("理赔经理使用 / for claims managers")
    units = unit_scope_for(request)
    ctx = {
        "d": selectors.dashboard(request.user, units),
        "unscheduled": unscheduled_years(),
        "units": units,
    }
    return render(request, "claims/dashboard.html", ctx)


@require_GET
@login_required
def work_calendar(request: HttpRequest) -> HttpResponse:
    """The State Council schedules the clocks count on, read-only: the loaded years and one
    year's days (``?year=``); years a running clock reaches without a schedule are flagged.
    Loading is `carecircle calendar load YEAR` (an administrator's job, never a click)."""
    if not (
        has_perm(request.user, Perm.APPROVE_CLAIMS) or has_perm(request.user, Perm.VIEW_COCKPIT)
    ):
        raise PermissionDenied("理赔经理使用 / for claims managers")
    years = list(
        HolidayYear.objects.annotate(
            off=Count("days", filter=Q(days__kind=HolidayDay.Kind.OFF)),
            working=Count("days", filter=Q(days__kind=HolidayDay.Kind.WORKING)),
        ).order_by("-year")
    )
    asked = request.GET.get("year", "")
    shown = next((y for y in years if str(y.year) == asked), years[0] if years else None)
    days = list(shown.days.order_by("date")) if shown else []
    ctx = {"years": years, "shown": shown, "days": days, "unscheduled": unscheduled_years()}
    return render(request, "claims/calendar.html", ctx)


def _since(request: HttpRequest) -> dt.datetime | None:
    days = request.GET.get("days", "")
    if days.isdigit():
        return clock.now() - dt.timedelta(days=int(days))
    return None


@require_GET
@login_required
def reports(request: HttpRequest) -> HttpResponse:
    if not (
        has_perm(request.user, Perm.APPROVE_CLAIMS) or has_perm(request.user, Perm.VIEW_COCKPIT)
    ):
        raise PermissionDenied("理赔经理使用 / for claims managers")
    units = unit_scope_for(request)
    r = selectors.report(request.user, _since(request), units)
    as_of, since = reserve_period(request)
    rr = reserve_report(request.user, as_of, since, units)  # the reserve report (#16)
    if request.GET.get("format") == "xlsx":
        name = f"claims-report-{units.code}.xlsx" if units.chosen else "claims-report.xlsx"
        return excel.download(report_workbook(r, reserves=rr), name)
    groups = [
        ("按理赔员 / By handler", r["by_handler"], "handler"),
        ("按修理厂 / By shop", r["by_shop"], "shop"),
        ("按机构 / By unit", r["by_unit"], "unit"),
        ("按客户城市 / By customer's city", r["by_branch"], "branch"),
    ]
    days = request.GET.get("days", "")
    keep = [("days", days)] if days else []
    keep += [(k, request.GET[k]) for k in ("as_of", "from") if request.GET.get(k)]
    ctx = {"r": r, "groups": groups, "days": days, "units": units, "keep": keep, "rr": rr}
    ctx["reserve_groups"] = [
        ("按机构 / By unit", rr["by_unit"]),
        ("按险别 / By coverage", rr["by_coverage"]),
        ("按理赔员 / By handler", rr["by_handler"]),
    ]
    return render(request, "claims/reports.html", ctx)
