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


REPORT_POLICY_FIELDS = (
    "policy_no", "kind", "customer_id", "vehicle_id", "partner_id", "effective_date",
    "expiry_date", "cancelled_on",
)  # fmt: skip


def _report_policies(request: HttpRequest, customer_id: int, only: str | None = None):
    """The customer's policies in force today; on a POST only the chosen one (one small query
    on the hot path instead of the whole list)."""
    qs = Policy.objects.restrict(request.user).filter(customer_id=customer_id)
    qs = qs.in_force_on(clock.today())
    if only is not None:
        # What report_claim reads, nothing more: compiling and loading the full row and its
        # vehicle cost more CPU than the rest of the request's queries together.
        return list(qs.filter(pk=only).only(*REPORT_POLICY_FIELDS)) if only.isdigit() else []
    return list(qs.select_related("vehicle").order_by("-kind", "policy_no"))


@require_http_methods(["GET", "POST"])
@login_required
def report(request: HttpRequest) -> HttpResponse:
    customer_id = customer_id_of(request)
    posted = request.POST.get("policy", "") if request.method == "POST" else None
    policies = _report_policies(request, customer_id, posted)
    form = ReportForm(request.POST or None, request.FILES or None, policies=policies)
    error = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        policy = policies[0]
        try:
            claim = services.report_claim(
                acting_user=request.user,
                policy=policy,
                accident_at=timezone.make_aware(d["accident_at"].replace(tzinfo=None))
                if timezone.is_naive(d["accident_at"])
                else d["accident_at"],
                description=d["description"],
                location=d["location"],
                injury=d["injury"],
                single_vehicle=d["single_vehicle"],
                liability_clear=d["liability_clear"],
                customer_estimate=d["customer_estimate"],
                channel=ReportChannel.H5,
                photos=request.FILES.getlist("photos"),
            )
        except DomainError as exc:
            error = exc.message
        else:
            return redirect("claims:my_claim", claim_id=claim.pk)
    if request.method == "POST":  # refused: show the whole list again with the errors
        policies = _report_policies(request, customer_id)
        form.fields["policy"].choices = ReportForm.policy_choices(policies)  # type: ignore[attr-defined]
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "claims/report.html",
        {"form": form, "error": error, "policies": policies},
        status=status,
    )


def _my_context(request: HttpRequest, claim: Claim, **extra: Any) -> dict[str, Any]:
    return {
        "claim": claim,
        "steps": selectors.progress(claim),
        "next_step": selectors.next_step_for_customer(claim),
        "documents": claim.documents.all(),
        "shops": network.shops() if claim.status in rules.STEPS[Action.REFER].sources else [],
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
                    data={"repair_shop_id": request.POST.get("repair_shop_id")},
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
