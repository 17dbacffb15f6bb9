"""The manager's cockpit and the ecosystem health view; the cockpit exports as CSV. The cockpit
shows what the manager sees: their unit's subtree (head office the whole book), ``?unit=``
narrowing it to one unit of that subtree (a unit outside it is a 404)."""

from __future__ import annotations

import csv

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from carecircle.core import dates
from carecircle.core.roles import Perm, has_perm
from carecircle.core.unit_scope import unit_scope_for
from carecircle.parties.choices import PartnerKind

from .. import cockpit as cockpit_data
from .. import health as health_data
from ..access import sees_all_partners
from . import month_asked

KIND_LABELS = dict(PartnerKind.choices)


def _months():
    return dates.months_back(dates.next_month(dates.last_complete_month()), 13)


@require_GET
@login_required
def cockpit(request: HttpRequest) -> HttpResponse:
    if not has_perm(request.user, Perm.VIEW_COCKPIT):
        raise PermissionDenied("需要驾驶舱权限 / needs the cockpit permission")
    month = month_asked(request)
    units = unit_scope_for(request)
    c = cockpit_data.cockpit(month, request.user, units)
    charts = {
        "trend": c.trend,
        "tiers": [
            {"name": t["label"], "customers": t["customers"], "premium": float(t["premium"])}
            for t in c.tiers
        ],
        "touchpoints": [
            {
                "name": t["label"],
                "satisfaction": float(t["satisfaction"]) if t["satisfaction"] is not None else None,
                "complaints_per_10k": (
                    float(t["complaints_per_10k"]) if t["complaints_per_10k"] is not None else None
                ),
                "interactions": t["interactions"],
            }
            for t in c.touchpoints
        ],
        "partners": [
            {
                "name": str(KIND_LABELS.get(p["partner_kind"], p["partner_kind"])),
                "premium": float(p["premium"] or 0),
                "repair": float(p["repair"] or 0),
            }
            for p in c.partner_kinds
        ],
    }
    alerts = health_data.alerts(month)[3] if c.stored else []
    if c.partner_ids is not None:  # a branch: the alerts of its own partners only
        alerts = [a for a in alerts if a.partner.pk in c.partner_ids]
    context = {
        "c": c,
        "units": units,
        "month": month,
        "months": _months(),
        "charts": charts,
        "alerts": alerts[:20],
        "alert_count": len(alerts),
    }
    return render(request, "ecosystem/cockpit.html", context)


@require_GET
@login_required
def cockpit_export(request: HttpRequest) -> HttpResponse:
    if not has_perm(request.user, Perm.VIEW_COCKPIT):
        raise PermissionDenied("需要驾驶舱权限 / needs the cockpit permission")
    month = month_asked(request)
    units = unit_scope_for(request)
    c = cockpit_data.cockpit(month, request.user, units)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    unit = f"-{units.code}" if units.chosen else ""
    response["Content-Disposition"] = f'attachment; filename="cockpit-{month:%Y-%m}{unit}.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 CSV with Chinese correctly only with a BOM
    writer = csv.writer(response)
    for row in cockpit_data.export_rows(c):
        writer.writerow(["" if v is None else v for v in row])
    return response


@require_GET
@login_required
def health(request: HttpRequest) -> HttpResponse:
    if not sees_all_partners(request.user):
        raise PermissionDenied("需要合作伙伴管理权限 / needs the manage-partners permission")
    month = month_asked(request)
    h = health_data.health(month)
    return render(
        request,
        "ecosystem/health.html",
        {"h": h, "month": month, "months": _months(), "charts": {"trend": h.trend}},
    )
