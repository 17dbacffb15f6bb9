"""Complaint pages: the handlers' queue, recording a complaint, its life (start, resolve,
the customer's confirmation, close), and the customer's own view. Thin views over
``services.complaints``."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from carecircle.core import clock, dates
from carecircle.core.errors import DomainError
from carecircle.core.models import User
from carecircle.core.money import parse_money
from carecircle.core.roles import ROLE_PERMS, Perm, Role, has_perm
from carecircle.core.unit_scope import unit_scope_for
from carecircle.parties.models import Customer, Partner

from ..choices import ComplaintChannel, ComplaintStatus, ContactType, Severity
from ..forms import ComplaintForm, CustomerComplaintForm
from ..models import Complaint
from ..selectors import complaint_rates
from ..services import complaints

PAGE = 100
# The claim a complaint names, looked up without importing claims (an app above this one).
CLAIM = Complaint._meta.get_field("claim").related_model


def _handler(request: HttpRequest) -> Any:
    if not has_perm(request.user, Perm.HANDLE_COMPLAINTS):
        raise PermissionDenied("需要投诉处理权限 / needs the handle-complaints permission")
    return request.user


@require_http_methods(["GET"])
@login_required
def complaint_list(request: HttpRequest) -> HttpResponse:
    _handler(request)
    now = clock.now()
    units = unit_scope_for(request)  # ?unit=: one unit of the user's subtree (404 outside it)
    mine = units.narrow(Complaint.objects.restrict(request.user))
    qs = mine.select_related("customer", "owner", "partner")
    status = request.GET.get("status", "open")
    if status == "open":
        qs = qs.open()
    elif status == "overdue":
        qs = qs.overdue(now)
    elif status in ComplaintStatus.values:
        qs = qs.filter(status=status)
    touchpoint = request.GET.get("touchpoint", "")
    if touchpoint in ContactType.values:
        qs = qs.filter(touchpoint=touchpoint)
    month = dates.first_of(clock.today())
    _, _, start, end = dates.month_bounds(month)
    context = {
        "touchpoint": touchpoint,
        "complaints": list(qs.order_by("due_at")[:PAGE]),
        "status": status,
        "statuses": ComplaintStatus.choices,
        "now": now,
        "overdue": mine.overdue(now).count(),
        "rates": complaint_rates(start, end, clock.today(), request.user, units),
        "month": month,
        "units": units,
    }
    return render(request, "touchpoints/complaints.html", context)


def _lookup(model: Any, field: str, value: str, error_field: str, **extra):
    if not value:
        return None
    found = model._default_manager.filter(**{field: value.strip()}, **extra).first()
    if found is None:
        raise DomainError("not_found", f"{value} 不存在 / not found", error_field)
    return found


@require_http_methods(["GET", "POST"])
@login_required
def complaint_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not getattr(user, "is_insurer_staff", False):
        raise PermissionDenied("仅限员工 / staff only")
    form = ComplaintForm(
        request.POST or None, initial={"customer_no": request.GET.get("customer", "")}
    )
    error = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            customer = (
                Customer.objects.restrict(user).filter(customer_no=d["customer_no"].strip()).first()
            )
            if customer is None:
                raise DomainError("not_found", "客户不存在 / no such customer", "customer_no")
            complaint = complaints.receive(
                customer,
                acting_user=user,
                channel=d["channel"],
                category=d["category"],
                severity=d["severity"],
                touchpoint=d["touchpoint"],
                summary=d["summary"],
                details=d["details"],
                claim=_lookup(CLAIM, "claim_no", d["claim_no"], "claim_no"),
                partner=_lookup(Partner, "code", d["partner_code"], "partner_code"),
                merchant=_lookup(Partner, "code", d["merchant_code"], "merchant_code"),
            )
            return redirect("touchpoints:complaint", complaint_id=complaint.pk)
        except DomainError as exc:
            error = exc
    return render(request, "touchpoints/complaint_new.html", {"form": form, "error": error})


def _handlers(complaint: Complaint) -> list[User]:
    """Who may own the complaint: active users whose role handles complaints, in a unit that
    holds the complaint's (its own, a branch above it, head office) — never another branch's."""
    roles = [r for r in Role if Perm.HANDLE_COMPLAINTS in ROLE_PERMS.get(r, frozenset())]
    if complaint.unit is not None:
        holding = Q(unit__code__in=complaint.unit.path.strip("/").split("/"))
    else:  # a complaint with no unit reaches head office only
        holding = Q(unit__parent__isnull=True)
    handlers = User.objects.filter(holding, is_active=True, role__in=roles)
    return list(handlers.order_by("role", "username")[:200])


def _visible(request: HttpRequest, complaint_id: int) -> Complaint:
    user = request.user
    if not (has_perm(user, Perm.HANDLE_COMPLAINTS) or getattr(user, "customer_id", None)):
        raise PermissionDenied("无权查看投诉 / not allowed to see complaints")
    return get_object_or_404(
        Complaint.objects.restrict(user).select_related(
            "customer", "owner", "partner", "merchant", "claim"
        ),
        pk=complaint_id,
    )


@require_http_methods(["GET"])
@login_required
def complaint_detail(request: HttpRequest, complaint_id: int, error: Any = None) -> HttpResponse:
    complaint = _visible(request, complaint_id)
    user: Any = request.user
    own = getattr(user, "customer_id", None) == complaint.customer_id
    context = {
        "c": complaint,
        "handlers": _handlers(complaint) if has_perm(user, Perm.HANDLE_COMPLAINTS) else [],
        "events": complaint.events.select_related("actor"),
        "handler": has_perm(user, Perm.HANDLE_COMPLAINTS),
        "own": own,
        "now": clock.now(),
        "error": error,
        "customer_name": complaint.customer.display_name_for(user),
    }
    return render(request, "touchpoints/complaint_detail.html", context)


@require_POST
@login_required
def complaint_action(request: HttpRequest, complaint_id: int, action: str) -> HttpResponse:
    complaint = _visible(request, complaint_id)
    user = request.user
    note = request.POST.get("note", "")
    try:
        if action == "start":
            owner = None
            if request.POST.get("owner"):
                owner = next(
                    (h for h in _handlers(complaint) if str(h.pk) == request.POST["owner"]), None
                )
                if owner is None:
                    raise DomainError(
                        "unknown_owner", "承办人须为投诉处理人员 / not a handler", "owner"
                    )
            complaints.start(complaint, acting_user=user, owner=owner, note=note)
        elif action == "resolve":
            raw = request.POST.get("compensation", "").strip()
            compensation = (
                parse_money(
                    "compensation",
                    raw,
                    code="invalid",
                    message="补偿金额格式不正确 / not an amount",
                )
                if raw
                else None
            )
            complaints.resolve(
                complaint,
                acting_user=user,
                resolution=request.POST.get("resolution", ""),
                root_cause=request.POST.get("root_cause", ""),
                compensation=compensation,
            )
        elif action in ("confirm", "reject"):
            complaints.confirm(
                complaint, acting_user=user, satisfied=action == "confirm", note=note
            )
        elif action == "close":
            complaints.close_unconfirmed(complaint, acting_user=user, note=note)
        else:
            raise DomainError("unknown_action", f"未知操作 {action} / unknown action", "action")
    except DomainError as exc:
        response = complaint_detail(request, complaint_id, error=exc)
        response.status_code = exc.status
        return response
    return redirect("touchpoints:complaint", complaint_id=complaint.pk)


@require_http_methods(["GET", "POST"])
@login_required
def my_complaints(request: HttpRequest) -> HttpResponse:
    """A customer's own complaints, and a complaint filed from the app (channel: app)."""
    user: Any = request.user
    if not getattr(user, "customer_id", None):
        raise PermissionDenied("仅限客户本人 / customers only")
    form = CustomerComplaintForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            complaint = complaints.receive(
                user.customer,
                acting_user=user,
                channel=ComplaintChannel.APP,
                category=d["category"],
                severity=Severity.NORMAL,
                touchpoint=d["touchpoint"],
                summary=d["summary"],
                details=d["details"],
            )
            return redirect("touchpoints:complaint", complaint_id=complaint.pk)
        except DomainError as exc:
            error = exc
    mine = Complaint.objects.restrict(user).order_by("-received_at")[:50]
    return render(
        request, "touchpoints/my_complaints.html", {"form": form, "error": error, "mine": mine}
    )
