"""Customer search and the audited reveal of full personal data. Thin views.

The customer 360 page itself reads every domain, so it is desk's (carecircle.desk.views).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_POST
from django_htmx.middleware import HtmxDetails

from . import selectors, services
from .forms import CustomerSearchForm
from .models import Customer


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def _page_url(request: HttpRequest, kind: str, number: int) -> str:
    return "?" + urlencode({"q": request.GET.get("q", ""), "kind": kind, "page": number})


@require_GET
@login_required
def customer_search(request: HtmxHttpRequest) -> HttpResponse:
    form = CustomerSearchForm(request.GET or None)
    page = None
    if form.is_bound and form.is_valid() and "term" in form.cleaned_data:
        page = selectors.search_customers(
            request.user, form.cleaned_data["term"], form.cleaned_data.get("page") or 1
        )
    context: dict[str, Any] = {"form": form, "page": page}
    if page is not None:
        context["previous_url"] = _page_url(request, page.kind, page.number - 1)
        context["next_url"] = _page_url(request, page.kind, page.number + 1)
    template = "parties/search.html"
    if request.htmx and request.htmx.target == "search-results":
        template = "parties/_search_results.html"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


def _customer_or_404(request: HttpRequest, customer_id: int) -> Customer:
    try:
        return selectors.customer_for(request.user, customer_id)
    except Customer.DoesNotExist:
        raise Http404("customer not found or not in your scope") from None


@require_POST
@login_required
def customer_reveal(request: HttpRequest, customer_id: int, field: str) -> HttpResponse:
    if field not in services.REVEALABLE:
        raise Http404("unknown field")
    customer = _customer_or_404(request, customer_id)
    context: dict[str, Any] = {"customer": customer, "field": field}
    try:
        context["value"] = services.reveal_pii(customer, field, acting_user=request.user)
    except PermissionDenied as exc:
        context["refused"] = str(exc)
        return render(request, "parties/_revealed.html", context, status=403)
    response = render(request, "parties/_revealed.html", context)
    response["Cache-Control"] = "no-store"
    return response
