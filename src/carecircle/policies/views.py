"""Customer-facing payment pages (no login: the link's token is the key) and the gateway's
notification endpoint. Thin: each calls one service. docs/payments.md."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from carecircle.core import clock
from carecircle.core.errors import DomainError

from .models_proposals import PaymentOrder, PaymentStatus, Proposal
from .payments import conf, simulator
from .payments.base import gateway
from .payments.services import receive, start_payment
from .payments.signing import InvalidSignature


def _proposal(token: str) -> Proposal:
    return get_object_or_404(
        Proposal.objects.select_related("customer", "vehicle"), pay_token=token
    )


def _page(request: HttpRequest, proposal: Proposal, status: int = 200, error=None):
    lines = proposal.lines.select_related("policy").prefetch_related("coverages").order_by("kind")
    return render(
        request,
        "policies/proposal.html",
        {
            "p": proposal,
            "lines": lines,
            "error": error,
            "expired": proposal.is_open and proposal.expires_at <= clock.now(),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def proposal(request: HttpRequest, token: str) -> HttpResponse:
    """The customer's payment link: what they buy, what it costs, a pay button."""
    found = _proposal(token)
    if request.method == "POST":
        try:
            order = start_payment(found)
        except DomainError as refused:
            found.refresh_from_db()
            return _page(request, found, refused.status, refused)
        return redirect(order.pay_url)
    return _page(request, found)


def proposal_done(request: HttpRequest, token: str) -> HttpResponse:
    """Where the gateway sends the customer back: the proposal as it stands now."""
    return _page(request, _proposal(token))


@csrf_exempt
@require_POST
def notify(request: HttpRequest, gateway_name: str) -> HttpResponse:
    """The gateway's signed notification. 4xx and nothing changed when the signature, the
    timestamp or the body is wrong; 200 for a notification delivered again."""
    try:
        received = receive(gateway_name, request.body, request.headers)
    except LookupError:
        raise Http404("unknown gateway") from None
    except InvalidSignature as refused:
        return JsonResponse({"ok": False, "code": refused.code}, status=400)
    except DomainError as refused:
        return JsonResponse({"ok": False, "code": refused.code}, status=refused.status)
    return JsonResponse({"ok": True, "outcome": received.outcome})


@require_http_methods(["GET", "POST"])
def simulator_page(request: HttpRequest, reference: str) -> HttpResponse:
    """The simulator's "bank" page (demo only: 404 unless the simulator is the gateway)."""
    adapter = gateway()
    if not isinstance(adapter, simulator.SimulatorGateway):
        raise Http404("the simulator is not the configured gateway")
    order = get_object_or_404(PaymentOrder.objects.select_related("proposal"), reference=reference)
    done_url = reverse("policies:proposal_done", args=[order.proposal.pay_token])
    if request.method == "POST":
        if order.status == PaymentStatus.CREATED:
            body, headers = adapter.notification(order.reference, order.amount)
            path = reverse("policies:notify", args=[adapter.name])
            base = conf.get("SIMULATOR_NOTIFY_BASE_URL") or request.build_absolute_uri("/")
            simulator.deliver(base.rstrip("/") + path, body, headers)
        return redirect(done_url)
    return render(request, "policies/simulator.html", {"order": order, "done_url": done_url})
