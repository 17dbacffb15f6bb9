"""Staff pages for an ownership transfer (过户): the vehicle's transfer form with what it would
do to each policy in force, and the recorded transfer with its endorsements. Thin: each calls
``policies.endorsements``; EDIT_POLICIES and the vehicle's scope are checked here and again in
the service."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from carecircle.core import clock
from carecircle.core.errors import DomainError
from carecircle.core.roles import Perm, has_perm
from carecircle.parties.models import Customer, Vehicle

from . import endorsements
from .choices import InForce
from .models import Policy
from .models_endorsements import OwnershipTransfer
from .models_parties import PolicyParty
from .policy_parties import parties_of


class TransferForm(forms.Form):
    new_owner_no = forms.CharField(
        label=_("新车主客户号 / New owner's customer no."), max_length=32
    )
    on = forms.DateField(
        label=_("过户日期 / Transferred on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    in_force = forms.ChoiceField(
        label=_("在保保单 / Policies in force"),
        choices=InForce.choices,
        widget=forms.RadioSelect,
        initial=InForce.TRANSFER,
    )


def _editor(request: HttpRequest):
    if not has_perm(request.user, Perm.EDIT_POLICIES):
        raise PermissionDenied("无权办理批改 / you may not endorse policies")
    return request.user


def _in_force(vehicle: Vehicle, on, user) -> list[Policy]:
    """The policies a transfer on ``on`` touches, each with its parties as
    (role label, name as the user may see it, customer no.)."""
    policies = list(
        endorsements.affected_policies(vehicle, on)
        .select_related("customer")
        .prefetch_related(
            Prefetch("parties", queryset=PolicyParty.objects.select_related("customer"))
        )
        .order_by("effective_date", "kind")
    )
    for p in policies:
        people = {row.customer_id: row.customer for row in p.parties.all()}
        people.setdefault(p.customer_id, p.customer)
        p.shown_parties = [  # type: ignore[attr-defined]
            (
                party.label,
                people[party.customer_id].display_name_for(user),
                people[party.customer_id].customer_no,
            )
            for party in parties_of(p)
        ]
    return policies


@require_http_methods(["GET", "POST"])
@login_required
def transfer(request: HttpRequest, vehicle_id: int) -> HttpResponse:
    user = _editor(request)
    vehicle = get_object_or_404(
        Vehicle.objects.restrict(user).select_related("owner"), pk=vehicle_id
    )
    today = clock.today()
    form = TransferForm(request.POST or None, initial={"on": today})
    error = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            buyer = (
                Customer.objects.restrict(user)
                .filter(customer_no=d["new_owner_no"].strip())
                .first()
            )
            if buyer is None:
                raise DomainError("not_found", "客户不存在 / no such customer", "new_owner_no")
            done = endorsements.transfer_vehicle(
                vehicle, buyer, on=d["on"], in_force=d["in_force"], by=user
            )
            return redirect("endorsements:transfer_detail", transfer_id=done.pk)
        except DomainError as refused:
            error = refused
    on = form.cleaned_data.get("on", today) if form.is_bound and form.is_valid() else today
    policies = _in_force(vehicle, on, user)
    # what "cancel" would do to each on that date (refund, or why it stays), shown before
    for p, step in zip(policies, endorsements.plan(policies, InForce.CANCEL, on), strict=True):
        p.if_cancelled = step  # type: ignore[attr-defined]
    return render(
        request,
        "policies/transfer.html",
        {
            "vehicle": vehicle,
            "form": form,
            "error": error,
            "policies": policies,
            "on": on,
        },
        status=error.status if error else 200,
    )


@require_GET
@login_required
def transfer_detail(request: HttpRequest, transfer_id: int) -> HttpResponse:
    user = _editor(request)
    done = get_object_or_404(
        OwnershipTransfer.objects.restrict(user).select_related(
            "vehicle", "from_owner", "to_owner", "created_by"
        ),
        pk=transfer_id,
    )
    rows = done.endorsements.select_related("policy").order_by("policy__effective_date", "pk")
    return render(request, "policies/transfer_done.html", {"t": done, "endorsements": rows})
