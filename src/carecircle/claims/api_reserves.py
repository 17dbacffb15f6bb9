"""Claims API for reserves and recoveries (issue #16): a claim's reserve ledger and the
handler's revision (above their limit it waits for an approver), the approver's decision, the
claim's recoveries (subrogation, salvage) and the reserve report. Mounted under the claims
router (``claims.api``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from pydantic import Field

from carecircle.core.api.auth import acting_user
from carecircle.core.api.schemas import ERRORS, Money, RowId
from carecircle.core.errors import DomainError
from carecircle.core.roles import Perm, has_perm
from carecircle.core.unit_scope import unit_scope

from .choices import ReserveType
from .models import Claim, ReserveChange, Salvage, Subrogation
from .selectors.reserves import as_json, reserve_report
from .services import recoveries, reserves

router = Router(tags=["claims"])


class MovementOut(Schema):
    id: int
    coverage: str
    reserve_type: str
    kind: str
    amount: Money
    balance_after: Money
    at: dt.datetime
    reason: str
    by_id: int | None
    approved_by_id: int | None
    payment_id: int | None


class ReserveChangeOut(Schema):
    id: int
    claim_id: int
    coverage: str
    reserve_type: str
    balance_before: Money
    new_balance: Money
    reason: str
    status: str
    requested_by_id: int | None
    requested_at: dt.datetime
    decided_by_id: int | None
    decided_at: dt.datetime | None
    decision_note: str


class ReservesOut(Schema):
    claim_id: int
    amount_reserved: Money
    balances: list[dict[str, Any]]
    movements: list[MovementOut]
    changes: list[ReserveChangeOut]


class ReviseIn(Schema):
    new_balance: Decimal = Field(..., ge=0, decimal_places=2)
    reason: str = Field(..., min_length=1, max_length=2000)
    coverage: str | None = Field(None, max_length=24)
    reserve_type: Literal["case", "expense"] = "case"


class DecideIn(Schema):
    approve: bool
    note: str = Field("", max_length=255)


class SubrogationOut(Schema):
    id: int
    against: str
    against_insurer: str
    status: str
    amount_sought: Money
    sought_on: dt.date
    amount_recovered: Money
    recovered_on: dt.date | None
    amount_written_off: Money
    written_off_on: dt.date | None


class SalvageOut(Schema):
    id: int
    description: str
    status: str
    valued_amount: Money
    valued_on: dt.date
    proceeds: Money
    sold_on: dt.date | None
    buyer: str


class RecoveriesOut(Schema):
    claim_id: int
    amount_recovered: Money
    subrogations: list[SubrogationOut]
    salvages: list[SalvageOut]


class RecoveryIn(Schema):
    """One step: ``subrogation`` (against, amount_sought), ``subrogation_result``
    (subrogation_id, recovered and/or written_off), ``salvage`` (description, valued_amount),
    ``salvage_sale`` (salvage_id, proceeds). Dates default to today."""

    kind: Literal["subrogation", "subrogation_result", "salvage", "salvage_sale"]
    against: str = Field("", max_length=128)
    against_insurer: str = Field("", max_length=128)
    amount_sought: Decimal | None = None
    subrogation_id: RowId | None = None
    recovered: Decimal | None = None
    written_off: Decimal | None = None
    on: dt.date | None = None
    description: str = Field("", max_length=128)
    valued_amount: Decimal | None = None
    salvage_id: RowId | None = None
    proceeds: Decimal | None = None
    buyer: str = Field("", max_length=128)


class ReportQuery(Schema):
    as_of: dt.date
    since: dt.date | None = Field(None, alias="from")
    unit: str = ""


def _claim(request: HttpRequest, claim_id: int) -> Claim:
    return get_object_or_404(Claim.objects.restrict(acting_user(request)), pk=claim_id)


def _staff(user) -> None:
    if not has_perm(user, Perm.HANDLE_CLAIMS):
        raise PermissionDenied("理赔人员使用 / for claims staff")


def _reserves_out(claim: Claim) -> dict[str, Any]:
    movements = list(claim.reserve_movements.order_by("at", "id"))
    held: dict[tuple[str, str], Decimal] = {}
    for m in movements:  # Σ amounts: a back-dated movement is not the last by date (ADR 0015)
        held[(m.coverage, m.reserve_type)] = held.get((m.coverage, m.reserve_type), 0) + m.amount
    claim.refresh_from_db(fields=["amount_reserved"])
    return {
        "claim_id": claim.pk,
        "amount_reserved": claim.amount_reserved,
        "balances": [
            {"coverage": c, "reserve_type": t, "balance": f"{b:.2f}"}
            for (c, t), b in sorted(held.items())
        ],
        "movements": movements,
        "changes": list(claim.reserve_changes.all()),
    }


@router.get("/claims/{claim_id}/reserves", response={200: ReservesOut, **ERRORS})
def get_reserves(request: HttpRequest, claim_id: int):
    """The claim's reserve balances, its movements and the revisions asked for."""
    _staff(acting_user(request))
    return _reserves_out(_claim(request, claim_id))


@router.post("/claims/{claim_id}/reserves", response={200: ReserveChangeOut, **ERRORS})
def revise_reserve(request: HttpRequest, claim_id: int, payload: ReviseIn):
    """Revise a case or expense reserve to ``new_balance`` with a reason: ``applied`` within
    the caller's limit, else ``pending`` until a claims approver decides."""
    user = acting_user(request)
    _staff(user)
    claim = _claim(request, claim_id)
    return reserves.revise(
        claim, new_balance=payload.new_balance, reason=payload.reason,
        coverage=payload.coverage, reserve_type=payload.reserve_type or ReserveType.CASE,
        acting_user=user,
    )  # fmt: skip


@router.post("/claims/reserve-changes/{change_id}", response={200: ReserveChangeOut, **ERRORS})
def decide_reserve_change(request: HttpRequest, change_id: int, payload: DecideIn):
    """A claims approver applies (within their authority) or declines a pending revision."""
    user = acting_user(request)
    if not has_perm(user, Perm.APPROVE_CLAIMS):
        raise PermissionDenied("只有核赔人可以批准 / only claims approvers may decide this")
    change = get_object_or_404(
        ReserveChange.objects.restrict(user).select_related("claim"), pk=change_id
    )
    return reserves.decide(change, acting_user=user, approve=payload.approve, note=payload.note)


def _recoveries_out(claim: Claim) -> dict[str, Any]:
    claim.refresh_from_db(fields=["amount_recovered"])
    return {
        "claim_id": claim.pk,
        "amount_recovered": claim.amount_recovered,
        "subrogations": list(claim.subrogations.all()),
        "salvages": list(claim.salvages.all()),
    }


@router.get("/claims/{claim_id}/recoveries", response={200: RecoveriesOut, **ERRORS})
def get_recoveries(request: HttpRequest, claim_id: int):
    _staff(acting_user(request))
    return _recoveries_out(_claim(request, claim_id))


@router.post("/claims/{claim_id}/recoveries", response={200: RecoveriesOut, **ERRORS})
def record_recovery(request: HttpRequest, claim_id: int, payload: RecoveryIn):
    """Open a subrogation, record an amount recovered or written off, value or sell salvage."""
    user = acting_user(request)
    _staff(user)
    claim = _claim(request, claim_id)
    p = payload
    if p.kind == "subrogation":
        recoveries.open_subrogation(
            claim, acting_user=user, against=p.against, against_insurer=p.against_insurer,
            amount_sought=p.amount_sought, sought_on=p.on,
        )  # fmt: skip
    elif p.kind == "subrogation_result":
        sub = get_object_or_404(Subrogation, pk=p.subrogation_id or 0, claim=claim)
        recoveries.record_subrogation(
            sub, acting_user=user, recovered=p.recovered, recovered_on=p.on,
            written_off=p.written_off, written_off_on=p.on,
        )  # fmt: skip
    elif p.kind == "salvage":
        recoveries.value_salvage(
            claim, acting_user=user, description=p.description, valued_amount=p.valued_amount,
            valued_on=p.on,
        )  # fmt: skip
    else:
        salvage = get_object_or_404(Salvage, pk=p.salvage_id or 0, claim=claim)
        recoveries.sell_salvage(
            salvage, acting_user=user, proceeds=p.proceeds, sold_on=p.on, buyer=p.buyer
        )
    return _recoveries_out(claim)


@router.get("/claims-reserves", response={200: dict[str, Any], **ERRORS})
def reserves_report(request: HttpRequest, q: Query[ReportQuery]):
    """The reserve report for the caller's claims (``unit`` narrows it): opening, movements by
    kind, closing, paid, recoveries and net incurred, by unit, coverage and handler; money as
    decimal strings. The period defaults to the year to ``as_of``."""
    user = acting_user(request)
    if not (has_perm(user, Perm.APPROVE_CLAIMS) or has_perm(user, Perm.VIEW_COCKPIT)):
        raise PermissionDenied("理赔经理使用 / for claims managers")
    if q.since is not None and q.since > q.as_of:
        raise DomainError("from", "起始日期晚于截至日期 / from is after as_of", "from")
    return as_json(reserve_report(user, q.as_of, q.since, unit_scope(user, q.unit)))
