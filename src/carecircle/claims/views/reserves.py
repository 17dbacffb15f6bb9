"""Reserves and recoveries on the claim page (issue #16): the reserve balances and their
movements, the handler's revision form (a reason always; above the handler's limit it waits
for an approver), the approver's queue of revisions waiting, and the recoveries (subrogation,
salvage) with their forms. The reserve report itself is on the claims report page
(``staff.reports``) and in its Excel export. Thin: parse, one service, redirect."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from carecircle.core import clock
from carecircle.core.errors import DomainError
from carecircle.core.roles import Perm, has_perm
from carecircle.core.unit_scope import unit_scope_for
from carecircle.policies.choices import CoverageCode

from .. import selectors
from ..choices import ReserveChangeStatus, ReserveType
from ..models import OPEN_STATUSES, Claim, ReserveChange, Salvage, Subrogation
from ..services import recoveries, reserves


def reserve_section(claim: Claim, user) -> dict[str, Any]:
    """The claim page's reserve and recovery section (``claims/_reserves.html``)."""
    movements = list(
        claim.reserve_movements.select_related("by", "approved_by").order_by("at", "id")
    )
    held: dict[tuple[str, str], Any] = {}
    for m in movements:  # Σ amounts: a back-dated movement is not the last by date (ADR 0015)
        held[(m.coverage, m.reserve_type)] = held.get((m.coverage, m.reserve_type), 0) + m.amount
    return {
        "reserve_balances": [
            {
                "coverage": CoverageCode(c).label if c in CoverageCode.values else c,
                "type": ReserveType(t).label,
                "balance": b,
            }
            for (c, t), b in sorted(held.items())
        ],
        "reserve_movements": movements,
        "reserve_changes": list(claim.reserve_changes.select_related("requested_by")[:20]),
        "may_revise": claim.status in OPEN_STATUSES and has_perm(user, Perm.HANDLE_CLAIMS),
        "may_decide": has_perm(user, Perm.APPROVE_CLAIMS),
        "may_record": has_perm(user, Perm.HANDLE_CLAIMS),
        "revision_limit": reserves.revision_limit(user),
        "coverage_choices": CoverageCode.choices,
        "reserve_types": ReserveType.choices,
        "subrogations": list(claim.subrogations.all()),
        "salvages": list(claim.salvages.all()),
    }


def reserve_period(request: HttpRequest) -> tuple[dt.date, dt.date | None]:
    """``?as_of=`` (default today) and ``?from=`` (default the year to it) of the report."""

    def day(name: str) -> dt.date | None:
        try:
            return dt.date.fromisoformat(request.GET.get(name, ""))
        except ValueError:
            return None

    as_of = day("as_of") or clock.today()
    since = day("from")
    return as_of, since if since is not None and since <= as_of else None


def _staff(request: HttpRequest) -> None:
    if not has_perm(request.user, Perm.HANDLE_CLAIMS):
        raise PermissionDenied("理赔人员使用 / for claims staff")


def _claim(request: HttpRequest, claim_id: int) -> Claim:
    return get_object_or_404(selectors.claims_for(request.user), pk=claim_id)


def _back(claim_id: int) -> HttpResponse:
    return redirect("claims:detail", claim_id=claim_id)


def _refused(request: HttpRequest, claim_id: int, exc: DomainError) -> HttpResponse:
    """The claim page again with the refusal named (400), as the workflow's forms do."""
    from .staff import _detail_context  # staff includes this section: imported when needed

    claim = _claim(request, claim_id)
    ctx = _detail_context(request, claim, error=exc.message)
    return render(request, "claims/detail.html", ctx, status=exc.status)


@require_POST
@login_required
def revise(request: HttpRequest, claim_id: int) -> HttpResponse:
    """The handler's revision of a case or expense reserve (a reason required)."""
    _staff(request)
    claim = _claim(request, claim_id)
    try:
        reserves.revise(
            claim,
            new_balance=request.POST.get("new_balance"),
            reason=request.POST.get("reason", ""),
            coverage=request.POST.get("coverage") or None,
            reserve_type=request.POST.get("reserve_type") or ReserveType.CASE,
            acting_user=request.user,
        )
    except DomainError as exc:
        return _refused(request, claim.pk, exc)
    return _back(claim.pk)


@require_POST
@login_required
def decide(request: HttpRequest, change_id: int) -> HttpResponse:
    """An approver applies or declines a revision waiting for their authority."""
    if not has_perm(request.user, Perm.APPROVE_CLAIMS):
        raise PermissionDenied("核赔人使用 / for approvers")
    change = get_object_or_404(
        ReserveChange.objects.restrict(request.user).select_related("claim"), pk=change_id
    )
    try:
        reserves.decide(
            change,
            acting_user=request.user,
            approve=request.POST.get("approve") == "1",
            note=request.POST.get("note", ""),
        )
    except DomainError as exc:
        return _refused(request, change.claim_id, exc)
    if request.POST.get("next") == "queue":
        return redirect("claims:reserve_changes")
    return _back(change.claim_id)


@require_GET
@login_required
def changes(request: HttpRequest) -> HttpResponse:
    """The approver's queue: revisions above a handler's limit, waiting."""
    if not has_perm(request.user, Perm.APPROVE_CLAIMS):
        raise PermissionDenied("核赔人使用 / for approvers")
    units = unit_scope_for(request)
    pending = units.narrow(
        ReserveChange.objects.restrict(request.user).filter(status=ReserveChangeStatus.PENDING),
        "claim__unit",
    ).select_related("claim", "requested_by")[:200]
    return render(
        request, "claims/reserve_changes.html", {"changes": list(pending), "units": units}
    )


def _row_id(value: Any) -> int:
    """A posted row id: digits only, else no such row (404), never a 500."""
    text = str(value or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        raise Http404("no such row")
    return int(text)


@require_POST
@login_required
def record_recovery(request: HttpRequest, claim_id: int) -> HttpResponse:
    """Subrogation and salvage: open, record an amount recovered or written off, value, sell
    (``kind`` says which)."""
    _staff(request)
    claim = _claim(request, claim_id)
    p, user = request.POST, request.user
    try:
        kind = p.get("kind", "")
        if kind == "subrogation":
            recoveries.open_subrogation(
                claim, acting_user=user, against=p.get("against", ""),
                against_insurer=p.get("against_insurer", ""),
                amount_sought=p.get("amount_sought"), sought_on=p.get("sought_on"),
                note=p.get("note", ""),
            )  # fmt: skip
        elif kind == "subrogation_result":
            sub = get_object_or_404(Subrogation, pk=_row_id(p.get("subrogation_id")), claim=claim)
            recoveries.record_subrogation(
                sub, acting_user=user, recovered=p.get("recovered") or None,
                recovered_on=p.get("recovered_on"), written_off=p.get("written_off") or None,
                written_off_on=p.get("written_off_on"),
            )  # fmt: skip
        elif kind == "salvage":
            recoveries.value_salvage(
                claim, acting_user=user, description=p.get("description", ""),
                valued_amount=p.get("valued_amount"), valued_on=p.get("valued_on"),
            )  # fmt: skip
        elif kind == "salvage_sale":
            salvage = get_object_or_404(Salvage, pk=_row_id(p.get("salvage_id")), claim=claim)
            recoveries.sell_salvage(
                salvage, acting_user=user, proceeds=p.get("proceeds"),
                sold_on=p.get("sold_on"), buyer=p.get("buyer", ""),
            )  # fmt: skip
        else:
            raise DomainError("kind", "未知的追偿操作 / unknown recovery step", "kind")
    except DomainError as exc:
        return _refused(request, claim.pk, exc)
    return _back(claim.pk)
