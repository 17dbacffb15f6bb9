"""Monthly statements (对账单): the list, building them, one statement with its actions
(recompute, dispute, adjust, approve, mark paid) and its CSV / Excel export.  Merchants see
their own; service managers all (``restrict``)."""

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

from .. import exports, services
from ..choices import StatementStatus
from ..models import Statement
from ..rules import merchant_of
from .common import need


@require_GET
@login_required
def statements(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not (has_perm(user, Perm.MANAGE_ALLIANCE) or merchant_of(user)):
        raise PermissionDenied("无权访问 / not allowed")
    rows = Statement.objects.restrict(user).select_related("merchant")
    status = request.GET.get("status", "")
    if status in StatementStatus.values:
        rows = rows.filter(status=status)
    last_month = dates.last_complete_month()
    context = {
        "statements": rows[:200],
        "status": status,
        "statuses": StatementStatus.choices,
        "default_month": f"{last_month:%Y-%m}",
        "manager": has_perm(user, Perm.MANAGE_ALLIANCE),
    }
    return render(request, "alliance/statements.html", context)


@require_POST
@login_required
def build_statements(request: HttpRequest) -> HttpResponse:
    user = need(request, Perm.MANAGE_ALLIANCE)
    month = dates.parse_month(request.POST.get("month"))
    if month is None:
        return HttpResponse("月份格式 YYYY-MM / month as YYYY-MM", status=400)
    services.build_statements(month, acting_user=user)
    return redirect(reverse("alliance:statements"))


@require_GET
@login_required
def statement_detail(request: HttpRequest, statement_id: int) -> HttpResponse:
    user = request.user
    statement = get_object_or_404(
        Statement.objects.restrict(user).select_related("merchant"), pk=statement_id
    )
    lines = statement.lines.select_related("redemption__voucher__product").order_by("kind", "pk")
    context = {
        "statement": statement,
        "lines": lines,
        "manager": has_perm(user, Perm.MANAGE_ALLIANCE),
        "is_merchant": merchant_of(user) == statement.merchant_id,
        "error": request.GET.get("error", ""),
    }
    return render(request, "alliance/statement_detail.html", context)


@require_POST
@login_required
def statement_action(request: HttpRequest, statement_id: int, action: str) -> HttpResponse:
    user = request.user
    statement = get_object_or_404(Statement.objects.restrict(user), pk=statement_id)
    target = reverse("alliance:statement_detail", args=[statement.pk])
    try:
        if action == "recompute":
            services.build_statement(statement.merchant, statement.month, acting_user=user)
        elif action == "approve":
            services.approve(statement, acting_user=user)
        elif action == "paid":
            services.mark_paid(statement, acting_user=user)
        elif action == "dispute":
            services.dispute(statement, request.POST.get("reason", ""), acting_user=user)
        elif action == "adjust":
            services.adjust(
                statement,
                request.POST.get("amount", "0") or "0",
                request.POST.get("note", ""),
                acting_user=user,
            )
        else:
            raise PermissionDenied("未知操作 / unknown action")
    except (DomainError, ValueError) as error:
        return redirect(f"{target}?{urlencode({'error': getattr(error, 'message', str(error))})}")
    return redirect(target)


@require_GET
@login_required
def statement_export(request: HttpRequest, statement_id: int, fmt: str) -> HttpResponse:
    statement = get_object_or_404(
        Statement.objects.restrict(request.user).select_related("merchant"), pk=statement_id
    )
    if fmt not in ("csv", "xlsx"):
        raise Http404("csv or xlsx")
    name = f"statement-{statement.merchant.code}-{statement.month:%Y-%m}.{fmt}"
    if fmt == "xlsx":
        return excel.download(exports.statement_xlsx(statement), name)
    return excel.download(exports.statement_csv(statement), name, "text/csv; charset=utf-8")
