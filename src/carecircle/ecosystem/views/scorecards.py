"""Scorecard pages: partner list, scorecard with drill-down, partner portal. Thin views."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from carecircle.core import dates
from carecircle.core.access import Action
from carecircle.core.roles import Perm, has_perm
from carecircle.parties.choices import PartnerKind
from carecircle.parties.models import Partner

from .. import scorecards
from ..access import is_partner_user, partner_for, sees_all_partners
from ..health import month_figures
from ..models import Agreement
from . import month_asked

DRILL_PAGE = 200
PAGE = 100


def _int(text: str | None) -> int:
    try:
        return int(text or 1)
    except ValueError:
        return 1


@require_GET
@login_required
def portal(request: HttpRequest) -> HttpResponse:
    """A partner's own entrance: straight to its scorecard."""
    user: Any = request.user
    if is_partner_user(user):
        return redirect("ecosystem:scorecard", partner_id=user.partner_id)
    if sees_all_partners(request.user):
        return redirect("ecosystem:partners")
    raise PermissionDenied("仅限合作伙伴 / partners only")


@require_GET
@login_required
def partners(request: HttpRequest) -> HttpResponse:
    if not sees_all_partners(request.user):
        raise PermissionDenied("需要合作伙伴管理权限 / needs the manage-partners permission")
    month = month_asked(request)
    kind = request.GET.get("kind", "")
    qs = Partner.objects.restrict(request.user, Action.REPORT)
    if kind in PartnerKind.values:
        qs = qs.filter(kind=kind)
    data, _stored = month_figures(month)
    agreements = {
        a.partner_id: a
        for a in Agreement.objects.restrict(request.user).filter(
            status="active", starts_on__lte=month, ends_on__gte=month
        )
    }
    empty = scorecards.Figures()
    listed = [p for p in qs if p.pk in data or p.pk in agreements]
    # No business this month and no terms: such partners are listed under health as inactive.
    listed.sort(
        key=lambda p: (data[p.pk].premium_brought + data[p.pk].repair_value) if p.pk in data else 0,
        reverse=True,
    )
    page = max(1, _int(request.GET.get("page")))
    rows = []
    for partner in listed[(page - 1) * PAGE : page * PAGE]:
        f = data.get(partner.pk)
        card = scorecards.compare(partner, month, f or empty, agreements.get(partner.pk))
        rows.append({"partner": partner, "f": card.figures, "card": card, "active": f is not None})
    context = {
        "month": month,
        "rows": rows,
        "total": len(listed),
        "page": page,
        "pages": max(1, -(-len(listed) // PAGE)),
        "kinds": PartnerKind.choices,
        "kind": kind,
        "months": dates.months_back(dates.last_complete_month(), 12),
    }
    return render(request, "ecosystem/partners.html", context)


@require_GET
@login_required
def scorecard(request: HttpRequest, partner_id: int) -> HttpResponse:
    partner = partner_for(request.user, partner_id)
    month = month_asked(request)
    card = scorecards.scorecard(partner, month)
    context = {
        "card": card,
        "partner": partner,
        "month": month,
        "months": dates.months_back(dates.last_complete_month(), 12),
        "is_staff_view": sees_all_partners(request.user),
    }
    return render(request, "ecosystem/scorecard.html", context)


DRILL_TITLES = {
    "policies": "带来的保单 / Policies brought",
    "renewals": "到期保单与续保 / Policies due and their renewal",
    "claims": "送修赔案 / Claims sent for repair",
    "settled": "本月支付的送修赔案 / Repair claims paid this month",
    "complaints": "涉及的投诉 / Complaints naming the partner",
    "satisfaction": "满意度评分 / Satisfaction scores",
    "surveys": "问卷评分 / Survey scores",
    "referrals": "推荐客户 / Customers referred",
}


@require_GET
@login_required
def drill(request: HttpRequest, partner_id: int, what: str) -> HttpResponse:
    partner = partner_for(request.user, partner_id)
    if what not in scorecards.DRILLS:
        raise Http404(what)
    month = month_asked(request)
    records = scorecards.drill(partner, month, what, request.user)
    total = records.count()
    full_names = has_perm(request.user, Perm.REVEAL_PII) or sees_all_partners(request.user)
    rows = list(records[:DRILL_PAGE])
    for row in rows:
        customer = getattr(row, "customer", None) or getattr(row, "referrer", None)
        if customer is None and hasattr(row, "policy"):
            customer = row.policy.customer
        row.who = (  # type: ignore[attr-defined]
            customer.display_name_for(request.user) if customer is not None else "—"
        )
    context = {
        "partner": partner,
        "month": month,
        "what": what,
        "title": DRILL_TITLES[what],
        "rows": rows,
        "total": total,
        "shown": len(rows),
        "full_names": full_names,
    }
    return render(request, "ecosystem/drill.html", context)
