"""Commission statements (手续费结算单): the list, one statement with its lines and steps
(approve, mark paid), its Excel export, and the month's calculation. Those who manage
partners see their unit's subtree; a partner's users their own partner's (``restrict``)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from carecircle.core import dates, excel
from carecircle.core.errors import DomainError
from carecircle.core.roles import Perm, has_perm

from ..access import is_partner_user
from ..commissions import exports, services
from ..commissions.choices import StatementStatus
from ..models import CommissionStatement

PAGE = 200


def _may_see(user) -> bool:
    return has_perm(user, Perm.MANAGE_PARTNERS) or is_partner_user(user)


@require_GET
@login_required
def statements(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not _may_see(user):
        raise PermissionDenied("需要合作伙伴管理权限 / needs the manage-partners permission")
    rows = CommissionStatement.objects.restrict(user).select_related("partner", "agent")
    month = dates.parse_month(request.GET.get("month"))
    if month is not None:
        rows = rows.filter(month=month)
    status = request.GET.get("status", "")
    if status in StatementStatus.values:
        rows = rows.filter(status=status)
    partner = request.GET.get("partner", "")
    if partner.isdigit():
        rows = rows.filter(partner_id=int(partner))
    context = {
        "statements": rows.order_by("-month", "statement_no")[:PAGE],
        "month": month,
        "status": status,
        "statuses": StatementStatus.choices,
        "manager": has_perm(user, Perm.MANAGE_PARTNERS),
        "default_month": f"{dates.last_complete_month():%Y-%m}",
        "months": dates.months_back(dates.last_complete_month(), 12),
        "error": request.GET.get("error", ""),
    }
    return render(request, "ecosystem/commission_statements.html", context)


@require_POST
@login_required
def calculate(request: HttpRequest) -> HttpResponse:
    if not has_perm(request.user, Perm.MANAGE_PARTNERS):
        raise PermissionDenied("需要合作伙伴管理权限 / needs the manage-partners permission")
    month = dates.parse_month(request.POST.get("month"))
    if month is None:
        return HttpResponse("月份格式 YYYY-MM / month as YYYY-MM", status=400)
    query = {"month": f"{month:%Y-%m}"}
    try:  # head office only (PermissionDenied: 403); a colliding run is refused, never a 500
        report = services.calculate_month(month, acting_user=request.user)
    except DomainError as error:
        query["error"] = error.message
        return redirect(f"{reverse('ecosystem:commission_statements')}?{urlencode(query)}")
    if report.refused:
        query["error"] = f"{len(report.refused)} 单被拒绝 / {len(report.refused)} refused: " + (
            "; ".join(r["message"] for r in report.refused[:3])
        )
    return redirect(f"{reverse('ecosystem:commission_statements')}?{urlencode(query)}")


def _statement(request: HttpRequest, statement_id: int) -> CommissionStatement:
    if not _may_see(request.user):
        raise PermissionDenied("需要合作伙伴管理权限 / needs the manage-partners permission")
    return get_object_or_404(
        CommissionStatement.objects.restrict(request.user).select_related("partner", "agent"),
        pk=statement_id,
    )


@require_GET
@login_required
def statement_detail(request: HttpRequest, statement_id: int) -> HttpResponse:
    statement = _statement(request, statement_id)
    lines = statement.lines.select_related("policy").order_by("written_on", "pk")
    context = {
        "statement": statement,
        "lines": lines,
        "manager": has_perm(request.user, Perm.MANAGE_PARTNERS),
        "error": request.GET.get("error", ""),
    }
    return render(request, "ecosystem/commission_statement.html", context)


@require_GET
@login_required
def statement_export(request: HttpRequest, statement_id: int) -> HttpResponse:
    statement = _statement(request, statement_id)
    return excel.download(exports.statement_xlsx(statement), f"{statement.statement_no}.xlsx")


@require_POST
@login_required
def statement_action(request: HttpRequest, statement_id: int, action: str) -> HttpResponse:
    statement = _statement(request, statement_id)
    target = reverse("ecosystem:commission_statement", args=[statement.pk])
    try:
        if action == "approve":
            services.approve(statement, acting_user=request.user)
        elif action == "pay":
            services.mark_paid(
                statement,
                acting_user=request.user,
                payment_ref=request.POST.get("payment_ref", ""),
            )
        else:
            raise Http404(action)
    except DomainError as error:
        return redirect(f"{target}?{urlencode({'error': error.message})}")
    return redirect(target)
