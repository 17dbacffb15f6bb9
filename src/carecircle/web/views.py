"""Home dashboard. Thin: the figures come from desk's read model (``desk.selectors.dashboard``)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from carecircle.core.unit_scope import unit_scope_for
from carecircle.desk.selectors.dashboard import staff_figures


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    units = unit_scope_for(request)  # ?unit=: one unit (机构) of the user's subtree, else 404
    context = {"figures": staff_figures(request.user, units), "units": units}
    return render(request, "web/home.html", context)
