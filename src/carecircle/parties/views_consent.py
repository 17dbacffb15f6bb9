"""Consent pages: the customer's phone page (each purpose with its wording, a button to grant
or withdraw, the history) and the staff page with a customer's history. Thin: parse, one
service (``parties.consent``), render. Element ids are stable (docs/consent.md)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from carecircle.core.errors import DomainError

from . import consent
from .models import Customer
from .models_consent import ConsentPurpose, ConsentSource


def _own_customer(request: HttpRequest) -> Customer:
    """The logged-in customer; anyone else is refused (403)."""
    customer_id = getattr(request.user, "customer_id", None)
    if not customer_id or getattr(request.user, "is_insurer_staff", False):
        raise PermissionDenied("客户专用页面 / for customers")
    return get_object_or_404(Customer.objects.restrict(request.user), pk=customer_id)


def _change(request: HttpRequest, customer: Customer) -> str:
    """Apply the one change the form asks for; returns what was done (for the message)."""
    key = request.POST.get("key", "")
    grant = "grant" in request.POST
    if "withdraw" not in request.POST and not grant:
        raise DomainError("consent_action", "请选择同意或撤回 / grant or withdraw?", "key")
    source = ConsentSource.PHONE_PAGE
    if key == "marketing" and not grant:  # every marketing channel at once
        consent.withdraw_marketing(customer, source=source, acting_user=request.user)
        return "withdrawn"
    line = next((x for x in consent.lines(customer) if x.key == key), None)
    if line is None:
        raise DomainError("consent_key", "未知授权项 / unknown consent", "key")
    if grant:
        wording = request.POST.get("wording") or line.wording
        if wording != line.wording:  # the page was older than the current wording
            raise DomainError(
                "consent_wording", "授权文本已更新，请重新阅读 / the wording changed: read it again"
            )
        consent.grant(
            customer, line.purpose, channel=line.channel, partner=line.partner, use=line.use,
            source=source, acting_user=request.user, wording=wording,
        )  # fmt: skip
        return "granted"
    consent.withdraw(
        customer, line.purpose, channel=line.channel, partner=line.partner, use=line.use,
        source=source, acting_user=request.user,
    )  # fmt: skip
    return "withdrawn"


@require_http_methods(["GET", "POST"])
@login_required
def my_consents(request: HttpRequest) -> HttpResponse:
    customer = _own_customer(request)
    error = ""
    if request.method == "POST":
        try:
            done = _change(request, customer)
        except DomainError as exc:
            error = exc.message
        else:
            query = urlencode({"done": done, "key": request.POST.get("key", "")})
            return redirect(f"{reverse('parties:my_consents')}?{query}")
        customer.refresh_from_db()
    context = {
        "customer": customer,
        "lines": consent.lines(customer),
        "history": consent.history(customer)[:100],
        "restricted": customer.restricted_at is not None,
        "done": request.GET.get("done", "") if not error else "",
        "done_key": request.GET.get("key", ""),
        "error": error,
        "purposes": ConsentPurpose,
    }
    return render(request, "parties/consents_my.html", context, status=400 if error else 200)


@require_GET
@login_required
def customer_consents(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Staff: a customer's consents and their full history, for a customer in scope (404
    outside it — and for anyone who is not insurer staff)."""
    if not getattr(request.user, "is_insurer_staff", False):
        raise Http404("staff only")
    customer = get_object_or_404(Customer.objects.restrict(request.user), pk=customer_id)
    context = {
        "customer": customer,
        "lines": consent.lines(customer),
        "history": consent.history(customer),
        "restricted": customer.restricted_at is not None,
    }
    return render(request, "parties/consents_customer.html", context)
