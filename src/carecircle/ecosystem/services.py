"""Ecosystem state changes: agreements. One transaction each, permission-checked, audited."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from carecircle.core import audit, locks
from carecircle.core.access import in_subtree
from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog, OrgUnit
from carecircle.core.roles import Perm, has_perm
from carecircle.parties.models import Partner

from .choices import AgreementStatus
from .commissions.terms import check_agreement_terms
from .models import Agreement

TERMS = (
    "premium_target_monthly",
    "referrals_target_monthly",
    "repair_capacity_monthly",
    "service_capacity_monthly",
    "labour_discount",
    "parts_discount",
    "commission_rate",
    "compulsory_commission_rate",
    "repair_value_target_monthly",
    "referral_fee",
    "service_fee",
    "repair_to_premium_min",
    "repair_to_premium_max",
    "renewal_rate_target",
    "satisfaction_target",
    "complaints_per_10k_max",
    "repair_cost_index_max",
    "settlement_days_max",
    "notes",
)


def _require(user) -> None:
    if not has_perm(user, Perm.MANAGE_PARTNERS):
        raise PermissionDenied("需要合作伙伴管理权限 / needs the manage-partners permission")


def _contracting_unit(acting_user: Any, unit: OrgUnit | None) -> int | None:
    """签约机构: the unit chosen, which must be within the signer's subtree, else the signer's
    own unit."""
    if unit is None:
        return getattr(acting_user, "unit_id", None)
    if not in_subtree(acting_user, unit.pk):
        raise PermissionDenied(
            f"签约机构 {unit.code} 不在您的管辖范围内 / unit {unit.code} is outside your scope"
        )
    return unit.pk


def create_agreement(
    partner: Partner,
    *,
    acting_user: Any,
    agreement_no: str,
    starts_on,
    ends_on,
    unit: OrgUnit | None = None,
    **terms: Any,
) -> Agreement:
    """A new active agreement, signed by ``unit`` (the signer's own unit by default, or a unit
    within their subtree); periods of one partner's active agreements may not overlap."""
    _require(acting_user)
    unit_id = _contracting_unit(acting_user, unit)
    unknown = set(terms) - set(TERMS)
    if unknown:
        raise ValueError(f"unknown agreement terms {sorted(unknown)}")
    if ends_on < starts_on:
        raise DomainError("period_reversed", "终止日早于起始日 / ends before it starts", "ends_on")
    # 报行合一: 交强险 at most 4 %, commercial within the filed rate; nothing to the unlicensed.
    check_agreement_terms(partner, terms)
    low, high = terms.get("repair_to_premium_min"), terms.get("repair_to_premium_max")
    if low is not None and high is not None and high < low:
        raise DomainError(
            "ratio_band_reversed",
            "送修/保费比上限低于下限 / repair-to-premium max below min",
            "repair_to_premium_max",
        )
    with transaction.atomic():
        locks.lock(Partner, pk=partner.pk)
        overlapping = Agreement.objects.filter(
            partner=partner,
            status=AgreementStatus.ACTIVE,
            starts_on__lte=ends_on,
            ends_on__gte=starts_on,
        )
        if overlapping.exists():
            raise DomainError(
                "agreement_overlaps",
                f"与生效协议 {overlapping.first()} 期间重叠 / overlaps an active agreement",
                "starts_on",
                status=409,
            )
        agreement = Agreement.objects.create(
            partner=partner,
            agreement_no=agreement_no,
            starts_on=starts_on,
            ends_on=ends_on,
            created_by=acting_user,
            unit_id=unit_id,
            **terms,
        )
        audit.record(acting_user, AuditLog.Action.CREATE, agreement, summary=str(agreement))
        return agreement


def end_agreement(agreement: Agreement, *, acting_user: Any, on) -> Agreement:
    """Ends an agreement the user sees (their subtree's; ``Agreement``'s reach)."""
    _require(acting_user)
    if not Agreement.objects.restrict(acting_user).filter(pk=agreement.pk).exists():
        raise PermissionDenied("该协议不在您的管辖范围内 / this agreement is outside your scope")
    with transaction.atomic():
        agreement = locks.lock(Agreement, pk=agreement.pk)
        before = {"status": agreement.status, "ends_on": agreement.ends_on}
        agreement.status = AgreementStatus.ENDED
        agreement.ends_on = min(agreement.ends_on, on)
        agreement.save(update_fields=["status", "ends_on", "updated_at"])
        audit.record(
            acting_user,
            AuditLog.Action.UPDATE,
            agreement,
            changes=audit.diff(before, {"status": agreement.status, "ends_on": agreement.ends_on}),
        )
        return agreement
