"""Desk pages: the customer 360 and the value portfolio. Thin views over desk's read models.

The 360 page keeps its name in the shell's namespace (``web:customer_360``, mounted by
``web/urls.py``); the portfolio is ``desk:portfolio`` at ``/value/``, where it always was.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from carecircle.core import audit
from carecircle.core.models import AuditLog
from carecircle.core.unit_scope import unit_scope_for
from carecircle.parties.models import Customer
from carecircle.parties.selectors import customer_for

from .selectors.balance import balance_for
from .selectors.customer360 import customer_360
from .selectors.portfolio import TIER_ORDER, portfolio_for


def _customer_or_404(request: HttpRequest, customer_id: int) -> Customer:
    try:
        return customer_for(request.user, customer_id)
    except Customer.DoesNotExist:
        raise Http404("customer not found or not in your scope") from None


@require_GET
@login_required
def customer_detail(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = _customer_or_404(request, customer_id)
    view = customer_360(request.user, customer)
    # The value balance is for insurer staff only (None for everyone else).
    balance = balance_for(request.user, customer)
    if getattr(request.user, "customer_id", None) != customer.pk:
        audit.record(request.user, AuditLog.Action.VIEW, customer, summary="customer 360")
    return render(request, "desk/customer_360.html", {"view": view, "balance": balance})


def _staff(request: HttpRequest) -> Any:
    user = request.user
    if not getattr(user, "is_insurer_staff", False):
        raise PermissionDenied("仅限保险公司员工 / insurer staff only")
    return user


@require_GET
@login_required
def portfolio(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    units = unit_scope_for(request)  # ?unit=: one unit (机构) of the user's subtree, else 404
    context = {"p": portfolio_for(user, units), "tier_order": TIER_ORDER, "units": units}
    return render(request, "desk/portfolio.html", context)
