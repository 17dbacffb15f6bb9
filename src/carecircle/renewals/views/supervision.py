"""考核督导 pages: the supervision dashboard, its Excel export, the overdue list and "why we
lose customers".

Thin views: parse the period, the dimension and the unit (``?unit=``), ask ``supervision`` for
the figures, render. Supervisors (``Perm.SUPERVISE_RENEWALS``) see their unit's subtree (head
office the whole book), team leaders their team; anyone else gets 403 and the refusal is
audited; a unit outside the user's subtree is a 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from carecircle.core import audit, clock, excel
from carecircle.core.models import AuditLog

from ..supervision.dashboard import dashboard as figures
from ..supervision.losses import why_lost as loss_analysis
from ..supervision.overdue import overdue_list
from ..supervision.scope import Dimension, Period, PeriodKind, Scope
from ..supervision.workbook import workbook


def _period(request: HttpRequest) -> tuple[Period, str]:
    """The period asked for (default: this month); a bad value falls back with a notice."""
    notice = ""
    kind = request.GET.get("period", PeriodKind.MONTH)
    if kind not in PeriodKind.values:
        kind, notice = PeriodKind.MONTH, _("周期无效，显示本月 / unknown period, showing a month")
    raw = request.GET.get("date", "")
    day = clock.today()
    if raw:
        try:
            day = dt.date.fromisoformat(raw)
        except ValueError:
            notice = _(
                "日期无效(应为 YYYY-MM-DD)，显示今天 / date must be YYYY-MM-DD; showing today"
            )
    return Period.containing(kind, day), notice


def _dimension(request: HttpRequest) -> str:
    by = request.GET.get("by", Dimension.SEAT)
    return by if by in Dimension.values else Dimension.SEAT


def _refuse(request: HttpRequest, error: PermissionDenied) -> None:
    audit.record(
        request.user,
        AuditLog.Action.DENIED,
        object_type="renewals.supervision",
        summary=f"renewal supervision {request.path}",
    )
    raise error


def _unit(request: HttpRequest) -> str:
    return request.GET.get("unit", "")


def _common(period: Period, scope: Scope, dimension: str | None = None) -> dict[str, Any]:
    return {
        "units": scope.units,
        "period": period,
        "previous": period.previous(),
        "next": period.next(),
        "period_kinds": PeriodKind.choices,
        "dimensions": Dimension.choices,
        "dimension": dimension,
    }


@require_GET
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    period, notice = _period(request)
    dimension = _dimension(request)
    try:
        board = figures(request.user, dimension, period, clock.today(), _unit(request))
    except PermissionDenied as error:
        _refuse(request, error)
    context = {**_common(period, board.scope, dimension), "board": board, "notice": notice}
    return render(request, "renewals/supervise/dashboard.html", context)


@require_GET
@login_required
def why_lost(request: HttpRequest) -> HttpResponse:
    period, notice = _period(request)
    try:
        analysis = loss_analysis(request.user, period, _unit(request))
    except PermissionDenied as error:
        _refuse(request, error)
    context = {**_common(period, analysis.scope), "a": analysis, "notice": notice}
    return render(request, "renewals/supervise/why_lost.html", context)


@require_GET
@login_required
def overdue(request: HttpRequest) -> HttpResponse:
    """The overdue renewals behind a dashboard figure, to chase or reassign."""
    try:
        number = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        number = 1
    try:
        found = overdue_list(
            request.user,
            clock.today(),
            dimension=request.GET.get("by"),
            key=request.GET.get("key", ""),
            number=number,
            unit_code=_unit(request),
        )
    except PermissionDenied as error:
        _refuse(request, error)
    return render(request, "renewals/supervise/overdue.html", {"o": found})


@require_GET
@login_required
def export(request: HttpRequest) -> HttpResponse:
    """The dashboard and the loss analysis as one Excel workbook."""
    period, _notice = _period(request)
    dimension = _dimension(request)
    try:
        board = figures(request.user, dimension, period, clock.today(), _unit(request))
        analysis = loss_analysis(request.user, period, _unit(request))
    except PermissionDenied as error:
        _refuse(request, error)
    content = workbook(board, analysis)
    unit = board.scope.units.code
    audit.record(
        request.user,
        AuditLog.Action.VIEW,
        object_type="renewals.supervision",
        summary=f"exported renewal supervision {dimension} {period.kind} {period.start}"
        + (f" unit {unit}" if unit else ""),
    )
    name = (
        f"renewal-supervision-{dimension}-{period.kind}-{period.start:%Y%m%d}"
        f"{f'-{unit}' if unit else ''}.xlsx"
    )
    return excel.download(content, name)
