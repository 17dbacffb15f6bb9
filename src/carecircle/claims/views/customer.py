"""The customer's phone pages (H5): their claims, reporting one with photos, a claim's progress
with the next step and promised date, uploading the missing documents, choosing a shop,
accepting the offer and rating the service. Thin: parse, one service, render."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from carecircle.core import clock
from carecircle.core.errors import DomainError
from carecircle.parties import consent
from carecircle.parties.models_consent import SharingUse
from carecircle.policies.models import Policy

from .. import rules, selectors, services
from ..choices import Action, ClaimStatus, DocumentKind, ReportChannel
from ..forms import ReportForm
from ..models import Claim
from ..selectors import network


def customer_id_of(request: HttpRequest) -> int:
    """The logged-in customer's id; anyone else is refused (403)."""
    customer_id = getattr(request.user, "customer_id", None)
    if not customer_id:
        raise PermissionDenied("客户专用页面 / for customers")
    return customer_id


def _claim(request: HttpRequest, claim_id: int) -> Claim:
    return get_object_or_404(selectors.claims_for(request.user), pk=claim_id)


@require_GET
@login_required
def my_claims(request: HttpRequest) -> HttpResponse:
    customer_id_of(request)
    claims = selectors.claims_for(request.user).order_by("-reported_at")[:50]
    return render(request, "claims/my_claims.html", {"claims": claims})


def _report_vehicles(request: HttpRequest, customer_id: int) -> list[dict[str, Any]]:
    """The vehicles the customer has held a policy on (newest cover first), each with the kinds
    in force today: the report is on a vehicle, the service links its policies at the
    accident."""
    today = clock.today()
    policies = (
        Policy.objects.restrict(request.user)
        .filter(customer_id=customer_id)
        .select_related("vehicle")
        .order_by("-effective_date", "-pk")
    )
    vehicles: dict[int, dict[str, Any]] = {}
    for p in policies:
        v = vehicles.setdefault(
            p.vehicle_id, {"vehicle": p.vehicle, "compulsory": None, "commercial": None}
        )
        in_force = p.effective_date <= today < min(p.expiry_date, p.cancelled_on or p.expiry_date)
        if in_force and v[p.kind] is None:
            v[p.kind] = p
    return list(vehicles.values())


def _vehicle_choices(vehicles: list[dict[str, Any]]) -> list[tuple[str, str]]:
    def label(v: dict[str, Any]) -> str:
        car = v["vehicle"]
        kinds = " ".join(
            f"{name} {'✓' if v[kind] else '✗'}"
            for kind, name in (("compulsory", "交强险"), ("commercial", "商业险"))
        )
        return f"{car} {car.brand} {car.model} · {kinds}".replace("  ", " ")

    return [(str(v["vehicle"].pk), label(v)) for v in vehicles]


@require_http_methods(["GET", "POST"])
@login_required
def report(request: HttpRequest) -> HttpResponse:
    customer_id = customer_id_of(request)
    if request.method == "POST":
        # The posted vehicle is checked by the service (the customer must hold a policy on
        # it): no list query on the hot path.
        posted = request.POST.get("vehicle", "")
        vehicles: list[dict[str, Any]] = []
        choices = [(posted, posted)] if posted.isdigit() else []
    else:
        vehicles = _report_vehicles(request, customer_id)
        choices = _vehicle_choices(vehicles)
    form = ReportForm(request.POST or None, request.FILES or None, vehicles=choices)
    error = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        accident_at = d["accident_at"]
        if timezone.is_naive(accident_at):
            accident_at = timezone.make_aware(accident_at)
        try:
            claim = services.report_claim(
                acting_user=request.user,
                vehicle=int(d["vehicle"]),
                accident_at=accident_at,
                description=d["description"],
                location=d["location"],
                own_car=d["own_car"],
                other_car=d["other_car"],
                other_property=d["other_property"],
                injured=d["injured"],
                deaths=d["deaths"],
                liability=d["liability"],
                customer_estimate=d["customer_estimate"],
                channel=ReportChannel.H5,
                photos=request.FILES.getlist("photos"),
            )
        except DomainError as exc:
            error = exc.message
        else:
            return redirect("claims:my_claim", claim_id=claim.pk)
    if request.method == "POST":  # refused: show the whole list again with the errors
        vehicles = _report_vehicles(request, customer_id)
        form.fields["vehicle"].choices = _vehicle_choices(vehicles)  # type: ignore[attr-defined]
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "claims/report.html",
        {"form": form, "error": error, "vehicles": vehicles},
        status=status,
    )


def _shop_sharing() -> list[dict[str, Any]]:
    """Art 23 beside the shop choice: the wording for the shop the customer picks."""
    wording, text = consent.sharing_text(("所选修理厂", "the shop you choose"), SharingUse.REPAIR)
    return [{"partner_id": "", "wording": wording, "text": text, "agreed": False}]


def _my_context(request: HttpRequest, claim: Claim, **extra: Any) -> dict[str, Any]:
    return {
        "claim": claim,
        "steps": selectors.progress(claim),
        "next_step": selectors.next_step_for_customer(claim),
        "documents": claim.documents.all(),
        "shops": network.shops() if claim.status in rules.STEPS[Action.REFER].sources else [],
        "shop_sharing": _shop_sharing(),
        "can_accept": claim.status in (ClaimStatus.ADJUSTED, ClaimStatus.APPROVED)
        and not claim.offer_accepted_at,
        "can_rate": claim.status in (ClaimStatus.PAID, ClaimStatus.FOLLOWED_UP, ClaimStatus.CLOSED)
        and claim.satisfaction is None,
        **extra,
    }


@require_http_methods(["GET", "POST"])
@login_required
def my_claim(request: HttpRequest, claim_id: int) -> HttpResponse:
    customer_id_of(request)
    claim = _claim(request, claim_id)
    if request.method == "POST":
        what = request.POST.get("what", "")
        try:
            if what == "upload":
                services.upload_documents(
                    claim, request.FILES.getlist("file"), acting_user=request.user,
                    kind=request.POST.get("kind", DocumentKind.DOCUMENT),
                )  # fmt: skip
            elif what == "shop":
                services.transition(
                    claim, Action.REFER, acting_user=request.user,
                    data={"repair_shop_id": request.POST.get("repair_shop_id"),
                          "share_consent": request.POST.get("share_consent") == "on"},
                )  # fmt: skip
            elif what == "accept":
                services.transition(claim, Action.ACCEPT_OFFER, acting_user=request.user)
            elif what == "rate":
                services.rate(
                    claim, request.POST.get("satisfaction"), request.POST.get("comment", ""),
                    acting_user=request.user,
                )  # fmt: skip
            else:
                raise DomainError("unknown", "未知操作 / unknown request", "what")
        except (DomainError, PermissionDenied) as exc:
            ctx = _my_context(
                request, _claim(request, claim_id), error=getattr(exc, "message", str(exc))
            )
            return render(request, "claims/my_claim.html", ctx, status=400)
        return redirect("claims:my_claim", claim_id=claim.pk)
    return render(request, "claims/my_claim.html", _my_context(request, claim))
