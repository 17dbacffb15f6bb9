"""Claims pages: staff worklist, claim page with timeline and transition forms, approver
queue, manager dashboard, reports; the customer's mobile pages. Thin: parse, one service,
render."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from carecircle.core import clock
from carecircle.core.errors import DomainError
from carecircle.core.roles import Perm, has_perm
from carecircle.parties.models import Customer, Partner
from carecircle.policies.models import Policy

from . import network, rules, selectors, services
from .choices import Action, ClaimStatus, DocumentKind, ReportChannel
from .forms import ReportForm
from .models import Claim, ClaimDocument, ClaimFlag, RepairService

# Which fields each staff action's form asks for (besides the reason).
ACTION_FIELDS: dict[str, list[tuple[str, str, str]]] = {
    Action.SURVEY: [("survey_mode", "查勘方式 / survey", "select:on_site,remote")],
    Action.ASSESS: [
        ("parts", "配件 / parts", "money"),
        ("labour", "工时 / labour", "money"),
        ("paint", "喷漆 / paint", "money"),
    ],
    Action.ADJUST: [
        ("liability_share", "责任比例 / liability share", "text:1"),
        ("other_vehicle_damage", "对方车损 / other car", "money"),
        ("third_party_property", "其他财产 / other property", "money"),
        ("medical", "医疗费 / medical", "money"),
        ("death_disability", "死亡伤残 / death, disability", "money"),
        ("deductible", "免赔额 / deductible", "money"),
        ("all_parties_at_fault", "各方均有责 / all parties at fault", "check"),
    ],
    Action.FOLLOW_UP: [("satisfaction", "满意度1-5 / satisfaction", "text:5")],
}
EVENT_ACTIONS = [Action.REQUEST_DOCUMENTS, Action.DOCUMENTS_COMPLETE, Action.REJECTION_NOTICE]


def _staff(request: HttpRequest) -> None:
    if not has_perm(request.user, Perm.HANDLE_CLAIMS):
        raise PermissionDenied("理赔人员使用 / for claims staff")


def _claim(request: HttpRequest, claim_id: int) -> Claim:
    try:
        return selectors.claim_for(request.user, claim_id)
    except Claim.DoesNotExist:
        raise Http404("claim not found or not in your scope") from None


def _css(context: dict[str, Any]) -> dict[str, Any]:
    return context


# ---- staff ----------------------------------------------------------------------------------


@require_GET
@login_required
def worklist(request: HttpRequest) -> HttpResponse:
    _staff(request)
    view = request.GET.get("view", "mine")
    if view not in ("mine", "all", "flagged", "breached"):
        view = "mine"
    claims = list(selectors.worklist(request.user, view)[:200])
    return render(request, "claims/worklist.html", {"claims": claims, "view": view})


def _forms_for(claim: Claim, user) -> list[dict[str, Any]]:
    out = []
    approver = has_perm(user, Perm.APPROVE_CLAIMS)
    for action in rules.allowed_actions(claim.status, claim.injury) + [
        a for a in EVENT_ACTIONS if claim.status in rules.STEPS[a].sources
    ]:
        step = rules.STEPS[action]
        if action == Action.PAY:  # its own form with an idempotency key
            continue
        if step.approver_only and not approver:
            continue
        if action == Action.REQUEST_DOCUMENTS and claim.documents_requested_at:
            continue
        if (
            action == Action.DOCUMENTS_COMPLETE
            and claim.documents_complete_at
            and not claim.waiting_since
        ):
            continue
        if action == Action.REJECTION_NOTICE and claim.rejection_notice_at:
            continue
        out.append(
            {
                "action": action,
                "label": Action(action).label,
                "needs_reason": step.needs_reason,
                "fields": ACTION_FIELDS.get(action, []),
                "danger": action in (Action.REJECT, Action.WITHDRAW),
            }
        )
    return out


def _detail_context(request: HttpRequest, claim: Claim, **extra: Any) -> dict[str, Any]:
    return {
        "claim": claim,
        "customer": claim.policy.customer,
        "timeline": claim.transitions.select_related("actor").order_by("at", "id"),
        "documents": claim.documents.all(),
        "flags": claim.flags.all(),
        "payments": claim.payments.all(),
        "forms": _forms_for(claim, request.user),
        "shops": network.shops(),
        "allowed": [Action(a).label for a in rules.allowed_actions(claim.status, claim.injury)],
        "adjustment": claim.adjustment or {},
        "advance": _advance_form(claim, request.user),
        **extra,
    }


def _advance_form(claim: Claim, user) -> dict[str, Any] | None:
    """先予支付 (Art 25) for approvers while the amount is still being decided. The key is
    fixed when the page is drawn: a double submit of this page pays once, a later page (after
    one advance) offers the next."""
    if not has_perm(user, Perm.APPROVE_CLAIMS):
        return None
    if claim.status not in rules.STEPS[Action.ADVANCE_PAYMENT].sources:
        return None
    done = sum(1 for p in claim.payments.all() if p.kind == "advance")
    return {"key": f"web:{claim.pk}:advance:{claim.reopen_count}:{done + 1}"}


@require_GET
@login_required
def detail(request: HttpRequest, claim_id: int) -> HttpResponse:
    _staff(request)
    claim = _claim(request, claim_id)
    return render(request, "claims/detail.html", _detail_context(request, claim))


@require_POST
@login_required
def act(request: HttpRequest, claim_id: int) -> HttpResponse:
    """One transition from the claim page's forms."""
    _staff(request)
    claim = _claim(request, claim_id)
    action = request.POST.get("action", "")
    reason = request.POST.get("reason", "")
    data: dict[str, Any] = {
        k: v
        for k, v in request.POST.items()
        if k not in ("action", "reason", "csrfmiddlewaretoken") and v != ""
    }
    try:
        if action == Action.PAY:
            services.pay(claim, acting_user=request.user, idempotency_key=request.POST.get("key"))
        elif action == Action.ADVANCE_PAYMENT:
            services.pay_advance(
                claim, data.get("amount"), acting_user=request.user, idempotency_key=data.get("key")
            )
        elif action == Action.APPROVE:
            services.approve(claim, acting_user=request.user, reason=reason)
        elif action == "review_flag":
            flag = ClaimFlag.objects.get(pk=str(data.get("flag_id", "0")), claim=claim)
            services.review_flag(
                flag, acting_user=request.user, confirmed=data.get("confirmed") == "1", note=reason
            )
        elif action == "upload":
            services.upload_documents(
                claim,
                request.FILES.getlist("file"),
                acting_user=request.user,
                kind=str(data.get("kind", "document")),
            )
        else:
            services.transition(claim, action, acting_user=request.user, reason=reason, data=data)
    except (DomainError, PermissionDenied, ClaimFlag.DoesNotExist) as exc:
        claim = _claim(request, claim_id)
        ctx = _detail_context(request, claim, error=getattr(exc, "message", str(exc)))
        return render(request, "claims/detail.html", ctx, status=400)
    return redirect("claims:detail", claim_id=claim.pk)


@require_GET
@login_required
def approvals(request: HttpRequest) -> HttpResponse:
    if not has_perm(request.user, Perm.APPROVE_CLAIMS):
        raise PermissionDenied("核赔人使用 / for approvers")
    return render(
        request, "claims/approvals.html", {"claims": selectors.approval_queue(request.user)}
    )


@require_GET
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    if not (
        has_perm(request.user, Perm.APPROVE_CLAIMS) or has_perm(request.user, Perm.VIEW_COCKPIT)
    ):
        raise PermissionDenied("理赔经理使用 / for claims managers")
    return render(request, "claims/dashboard.html", {"d": selectors.dashboard(request.user)})


def _since(request: HttpRequest) -> dt.datetime | None:
    days = request.GET.get("days", "")
    if days.isdigit():
        return clock.now() - dt.timedelta(days=int(days))
    return None


@require_GET
@login_required
def reports(request: HttpRequest) -> HttpResponse:
    if not (
        has_perm(request.user, Perm.APPROVE_CLAIMS) or has_perm(request.user, Perm.VIEW_COCKPIT)
    ):
        raise PermissionDenied("理赔经理使用 / for claims managers")
    r = selectors.report(request.user, _since(request))
    if request.GET.get("format") == "xlsx":
        from .exports import report_workbook

        response = HttpResponse(
            report_workbook(r),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = 'attachment; filename="claims-report.xlsx"'
        return response
    groups = [
        ("按理赔员 / By handler", r["by_handler"], "handler"),
        ("按修理厂 / By shop", r["by_shop"], "shop"),
        ("按机构(城市) / By branch (city)", r["by_branch"], "branch"),
    ]
    ctx = {"r": r, "groups": groups, "days": request.GET.get("days", "")}
    return render(request, "claims/reports.html", ctx)


@require_GET
@login_required
def document(request: HttpRequest, document_id: int) -> FileResponse:
    doc = ClaimDocument.objects.restrict(request.user).filter(pk=document_id).first()
    if doc is None:
        raise Http404("document not found")
    return FileResponse(
        doc.file.open("rb"), content_type=doc.content_type, filename=doc.original_name
    )


# ---- customer (mobile H5) -------------------------------------------------------------------


def _customer_id(request: HttpRequest) -> int:
    customer_id = getattr(request.user, "customer_id", None)
    if not customer_id:
        raise PermissionDenied("客户专用页面 / for customers")
    return customer_id


def _customer(request: HttpRequest) -> Customer:
    return Customer.objects.get(pk=_customer_id(request))


@require_GET
@login_required
def my_claims(request: HttpRequest) -> HttpResponse:
    _customer_id(request)
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
    customer_id = _customer_id(request)
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
    _customer_id(request)
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


@require_GET
@login_required
def calculator(request: HttpRequest) -> HttpResponse:
    """“Should I claim?” for the customer, or for a seat/agent/handler with ?customer=<id>."""
    if getattr(request.user, "customer_id", None) and not getattr(
        request.user, "is_insurer_staff", False
    ):
        customer = _customer(request)
    else:
        customer = (
            Customer.objects.restrict(request.user)
            .filter(pk=request.GET.get("customer") or 0)
            .first()
        )
    shops = network.shops()
    ctx: dict[str, Any] = {"customer": customer, "shops": shops, "q": request.GET}
    if customer is not None and request.GET.get("shop"):
        try:
            shop = Partner.objects.get(pk=request.GET["shop"])
            verdict, policy, terms = network.calculate(
                customer,
                acting_user=request.user,
                shop=shop,
                parts_list=request.GET.get("parts", "0"),
                labour_hours=request.GET.get("hours", "0"),
                deductible=request.GET.get("deductible", "0"),
            )
            ctx.update(verdict=verdict, policy=policy, terms=terms, shop=shop)
            # The no-claim path can be booked at once; the key makes a repeated POST harmless.
            ctx["booking_key"] = uuid.uuid4().hex
            ctx["tomorrow"] = clock.today() + dt.timedelta(days=1)
        except (DomainError, Partner.DoesNotExist, PermissionDenied) as exc:
            ctx["error"] = getattr(exc, "message", str(exc))
    return render(request, "claims/calculator.html", ctx)


def _int(value: Any) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return 0


@require_POST
@login_required
def book_repair(request: HttpRequest) -> HttpResponse:
    """折扣维修 from the calculator: the customer for their own policy, or claims staff for a
    customer in their scope. Booked as a service (no claim, NCD untouched); answered with the
    booking's page (shop and price). Another customer's policy is a 404."""
    user = request.user
    is_customer = bool(getattr(user, "customer_id", None)) and not getattr(
        user, "is_insurer_staff", False
    )
    if not (is_customer or has_perm(user, Perm.HANDLE_CLAIMS)):
        raise PermissionDenied("无权预约 / you may not book repairs")
    policy = (
        Policy.objects.restrict(user)
        .select_related("customer")
        .filter(pk=_int(request.POST.get("policy")))
        .first()
    )
    if policy is None or (is_customer and policy.customer_id != getattr(user, "customer_id", None)):
        raise Http404("policy not found or not in your scope")
    shop = Partner.objects.filter(
        pk=_int(request.POST.get("shop")), kind__in=network.REPAIR_KINDS
    ).first()
    try:
        if shop is None:
            raise DomainError("repair_shop", "请选择合作修理厂 / choose a network shop", "shop")
        try:
            booked_for = dt.date.fromisoformat(request.POST.get("booked_for", ""))
        except ValueError:
            raise DomainError(
                "booked_for", "请选择预约日期 / choose a date", "booked_for"
            ) from None
        service = network.book_repair(
            policy.customer,
            acting_user=user,
            shop=shop,
            vehicle_id=policy.vehicle_id,
            description=request.POST.get("description", ""),
            parts_list=request.POST.get("parts", "0"),
            labour_hours=request.POST.get("hours", "0"),
            booked_for=booked_for,
            idempotency_key=request.POST.get("idempotency_key"),
        )
    except DomainError as exc:
        ctx = {
            "customer": policy.customer,
            "shops": network.shops(),
            "q": request.POST,
            "error": exc.message,
        }
        return render(request, "claims/calculator.html", ctx, status=exc.status or 400)
    return redirect("claims:repair_booked", service_id=service.pk)


@require_GET
@login_required
def repair_booked(request: HttpRequest, service_id: int) -> HttpResponse:
    service = (
        RepairService.objects.restrict(request.user)
        .select_related("shop", "vehicle")
        .filter(pk=service_id)
        .first()
    )
    if service is None:
        raise Http404("booking not found or not in your scope")
    return render(request, "claims/repair_booked.html", {"service": service})
