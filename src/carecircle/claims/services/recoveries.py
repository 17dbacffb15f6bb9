"""Recoveries (追偿) on a claim, recorded by its handler: subrogation (代位求偿) against the party
at fault or its insurer — sought, then recovered and/or written off — and salvage (残值) —
valued, then sold for its proceeds (or abandoned). Each change keeps ``Claim.amount_recovered``
(Σ recovered + Σ proceeds), which every report subtracts: net incurred = paid + reserve −
recoveries (issue #16)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Sum

from carecircle.core import audit, clock
from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog
from carecircle.core.money import ZERO, parse_money, to_money
from carecircle.core.roles import Perm, has_perm

from ..choices import SalvageStatus, SubrogationStatus
from ..models import Claim, Salvage, Subrogation, SubrogationReceipt
from .locks import lock_claim
from .permissions import ensure_changeable, ensure_visible
from .reserves import ensure_storable


def _may_record(user: Any, claim: Claim) -> None:
    ensure_visible(user, claim)
    if not has_perm(user, Perm.HANDLE_CLAIMS):
        raise PermissionDenied("理赔人员使用 / for claims staff")
    ensure_changeable(user, claim)


def _day(name: str, value: Any, default: dt.date | None = None) -> dt.date:
    if value in (None, ""):
        if default is None:
            raise DomainError(name, f"{name} 必填 / {name} is required", name)
        return default
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise DomainError(name, f"日期格式 YYYY-MM-DD / {name}: YYYY-MM-DD", name) from exc


def sync_recovered(claim: Claim) -> Decimal:
    """``Claim.amount_recovered`` = Σ subrogation recovered + Σ salvage proceeds."""
    total = to_money(
        (Subrogation.objects.filter(claim=claim).aggregate(s=Sum("amount_recovered"))["s"] or ZERO)
        + (Salvage.objects.filter(claim=claim).aggregate(s=Sum("proceeds"))["s"] or ZERO)
    )
    Claim.objects.filter(pk=claim.pk).update(amount_recovered=total)
    claim.amount_recovered = total
    return total


def open_subrogation(
    claim: Claim,
    *,
    acting_user: Any,
    against: str,
    amount_sought: Any,
    against_insurer: str = "",
    sought_on: Any = None,
    note: str = "",
) -> Subrogation:
    """代位求偿: the insurer pursues ``against`` (and its insurer) for ``amount_sought``."""
    _may_record(acting_user, claim)
    against = (against or "").strip()
    if not against:
        raise DomainError("against", "请填写追偿对象 / name who is pursued", "against")
    sought = ensure_storable("amount_sought", parse_money("amount_sought", amount_sought))
    if sought <= 0:
        raise DomainError("amount_sought", "追偿金额须大于0 / must be above 0", "amount_sought")
    with transaction.atomic():
        claim = lock_claim(claim)
        sub = Subrogation.objects.create(
            claim=claim, against=against[:128], against_insurer=(against_insurer or "")[:128],
            amount_sought=sought, sought_on=_day("sought_on", sought_on, clock.today()),
            note=(note or "")[:255], created_by=acting_user, created_at=clock.now(),
        )  # fmt: skip
        audit.record(
            acting_user, AuditLog.Action.CREATE, sub,
            summary=f"{claim.claim_no} subrogation against {against} {sought}",
        )  # fmt: skip
    return sub


def record_subrogation(
    sub: Subrogation,
    *,
    acting_user: Any,
    recovered: Any = None,
    recovered_on: Any = None,
    written_off: Any = None,
    written_off_on: Any = None,
) -> Subrogation:
    """An amount recovered (a ``SubrogationReceipt`` on ``recovered_on``, the day it came in;
    the subrogation's total and last date follow) and/or written off (added) on a
    subrogation; never beyond what was sought. The status follows."""
    _may_record(acting_user, sub.claim)
    got = ensure_storable("recovered", parse_money("recovered", recovered, default=ZERO))
    lost = ensure_storable("written_off", parse_money("written_off", written_off, default=ZERO))
    if got < 0 or lost < 0 or (got == 0 and lost == 0):
        raise DomainError(
            "recovered", "请填写追回或核销金额 / enter an amount recovered or written off",
            "recovered",
        )  # fmt: skip
    today = clock.today()
    with transaction.atomic():
        claim = lock_claim(sub.claim)
        sub = Subrogation.objects.select_for_update().get(pk=sub.pk)
        if got + lost > sub.outstanding:
            raise DomainError(
                "recovered",
                f"超出待追金额 {sub.outstanding} / more than the {sub.outstanding} outstanding",
                "recovered",
            )
        if got:
            received_on = _day("recovered_on", recovered_on, today)
            SubrogationReceipt.objects.create(
                subrogation=sub, claim=claim, amount=got, received_on=received_on,
                recorded_by=acting_user, recorded_at=clock.now(),
            )  # fmt: skip
            sub.amount_recovered = to_money(sub.amount_recovered + got)
            sub.recovered_on = max(sub.recovered_on or received_on, received_on)
        if lost:
            sub.amount_written_off = to_money(sub.amount_written_off + lost)
            sub.written_off_on = _day("written_off_on", written_off_on, today)
        if sub.outstanding > 0:
            sub.status = SubrogationStatus.PARTLY if sub.amount_recovered else sub.status
        elif sub.amount_recovered:
            sub.status = SubrogationStatus.RECOVERED
        else:
            sub.status = SubrogationStatus.WRITTEN_OFF
        sub.save()
        sync_recovered(claim)
        audit.record(
            acting_user, AuditLog.Action.UPDATE, sub,
            summary=f"{claim.claim_no} subrogation {sub.pk} +{got} recovered, +{lost} written off",
        )  # fmt: skip
    return sub


def value_salvage(
    claim: Claim,
    *,
    acting_user: Any,
    description: str,
    valued_amount: Any,
    valued_on: Any = None,
) -> Salvage:
    """残值: what the insurer took over, valued."""
    _may_record(acting_user, claim)
    description = (description or "").strip()
    if not description:
        raise DomainError("description", "请填写残值物 / describe the item", "description")
    value = ensure_storable("valued_amount", parse_money("valued_amount", valued_amount))
    if value < 0:
        raise DomainError("valued_amount", "估值不能为负 / never negative", "valued_amount")
    with transaction.atomic():
        claim = lock_claim(claim)
        salvage = Salvage.objects.create(
            claim=claim, description=description[:128], valued_amount=value,
            valued_on=_day("valued_on", valued_on, clock.today()), created_by=acting_user,
            created_at=clock.now(),
        )  # fmt: skip
        audit.record(
            acting_user, AuditLog.Action.CREATE, salvage,
            summary=f"{claim.claim_no} salvage {description} valued {value}",
        )  # fmt: skip
    return salvage


def sell_salvage(
    salvage: Salvage, *, acting_user: Any, proceeds: Any, sold_on: Any = None, buyer: str = ""
) -> Salvage:
    """The salvage is sold: its proceeds are a recovery at ``sold_on``. Once."""
    _may_record(acting_user, salvage.claim)
    amount = ensure_storable("proceeds", parse_money("proceeds", proceeds))
    if amount < 0:
        raise DomainError("proceeds", "处置收入不能为负 / never negative", "proceeds")
    with transaction.atomic():
        claim = lock_claim(salvage.claim)
        salvage = Salvage.objects.select_for_update().get(pk=salvage.pk)
        if salvage.status != SalvageStatus.VALUED:
            raise DomainError(
                "sold", "残值已处置 / already sold or abandoned", "proceeds", status=409
            )
        salvage.status = SalvageStatus.SOLD
        salvage.proceeds = amount
        salvage.sold_on = _day("sold_on", sold_on, clock.today())
        salvage.buyer = (buyer or "")[:128]
        salvage.save()
        sync_recovered(claim)
        audit.record(
            acting_user, AuditLog.Action.UPDATE, salvage,
            summary=f"{claim.claim_no} salvage {salvage.pk} sold {amount}",
        )  # fmt: skip
    return salvage
