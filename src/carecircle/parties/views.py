"""Customer search and the audited reveal of full personal data. Thin views.

The customer 360 page itself reads every domain, so it is desk's (carecircle.desk.views).
"""

from __future__ import annotations

import json
import secrets
from typing import Any
from urllib.parse import urlencode

from cryptography.exceptions import InvalidTag
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.middleware import HtmxDetails

from carecircle.core import pii
from carecircle.core.errors import DomainError

from . import selectors, services, throttle
from .forms import CustomerSearchForm
from .models import Customer
from .selectors import SearchKind, SearchTerm


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


# Nothing typed in the search box goes in a URL (docs/privacy.md "Search"): the form posts,
# the term is kept in the session — sealed with the field key, as personal data is at rest —
# under a random token, and the pages of the results are ``?s=<token>&page=<n>``.
SEARCHES = "parties.searches"
KEPT = 20  # a session's last searches; older tokens say "search again"
PII_KINDS = frozenset({SearchKind.PHONE, SearchKind.ID_NUMBER})


def _keep(request: HttpRequest, term: SearchTerm, typed: str) -> str:
    token = secrets.token_urlsafe(9)
    kept = dict(request.session.get(SEARCHES, {}))
    data = {"kind": term.kind, "value": term.value, "hint": term.hint, "typed": typed}
    kept[token] = pii.encrypt(json.dumps(data, ensure_ascii=False))
    while len(kept) > KEPT:
        kept.pop(next(iter(kept)))
    request.session[SEARCHES] = kept
    return token


def _kept(request: HttpRequest, token: str) -> tuple[SearchTerm, str] | None:
    sealed = request.session.get(SEARCHES, {}).get(token)
    if not sealed:
        return None
    try:
        data = json.loads(pii.decrypt(sealed))
    except (ValueError, InvalidTag):  # sealed under a key this deployment no longer reads
        return None
    return SearchTerm(data["kind"], data["value"], data.get("hint", "")), data.get("typed", "")


def _page_url(token: str, number: int) -> str:
    return "?" + urlencode({"s": token, "page": number})


def _page_number(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < len(raw) < 6 else 1


def _render(request: HtmxHttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    template = "parties/search.html"
    if request.htmx and request.htmx.target == "search-results":
        template = "parties/_search_results.html"
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
@login_required
def customer_search(request: HtmxHttpRequest) -> HttpResponse:
    """POST: the search box (any kind of term) → the first page, its token in the session.
    GET ``?s=<token>&page=<n>``: a page of a kept search. GET ``?q=…`` (an old link or
    bookmark) is refused with 400: the term is already in the access log, and answering would
    keep the habit alive."""
    user = request.user
    if request.method == "POST":
        form = CustomerSearchForm(request.POST)
        if not (form.is_valid() and "term" in form.cleaned_data):
            return _render(request, {"form": form, "page": None})
        term = form.cleaned_data["term"]
        if term.kind in PII_KINDS:
            try:
                throttle.answer(user, throttle.PII_SEARCH, f"page search by {term.kind}")
            except DomainError as exc:
                # htmx swaps no 4xx but 403 (web/base.html's htmx-config): its partial says
                # it with a 200; a plain form post gets the 429.
                status = 200 if request.htmx else 429
                return _render(
                    request, {"form": form, "page": None, "refused": exc.message}, status
                )
        page = selectors.search_customers(user, term, 1)
        token = _keep(request, SearchTerm(page.kind, term.value, term.hint), form.cleaned_data["q"])
        response = _render(request, _results(form, page, token))
        if request.htmx:
            response["HX-Push-Url"] = f"{request.path}?s={token}"
        return response
    if "q" in request.GET:
        notice = _(
            "查询内容不再放在网址中，请在查询框中输入 / search terms no longer go in the "
            "address: type them in the search box"
        )
        return _render(request, {"form": CustomerSearchForm(), "page": None, "notice": notice}, 400)
    token = request.GET.get("s", "")
    if not token:
        return _render(request, {"form": CustomerSearchForm(), "page": None})
    kept = _kept(request, token)
    if kept is None:
        notice = _("该查询已过期，请重新查询 / this search has expired; please search again")
        return _render(request, {"form": CustomerSearchForm(), "page": None, "notice": notice})
    term, typed = kept
    form = CustomerSearchForm(initial={"q": typed})
    page = selectors.search_customers(user, term, _page_number(request))
    return _render(request, _results(form, page, token))


def _results(form: CustomerSearchForm, page: selectors.SearchPage, token: str) -> dict[str, Any]:
    return {
        "form": form,
        "page": page,
        "previous_url": _page_url(token, page.number - 1),
        "next_url": _page_url(token, page.number + 1),
    }


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
