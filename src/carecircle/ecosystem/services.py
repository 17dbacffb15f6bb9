"""Ecosystem state changes: agreements. One transaction each, permission-checked, audited."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from carecircle.core import audit, locks
from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog
from carecircle.core.roles import Perm, has_perm
from carecircle.parties.models import Partner

from .choices import AgreementStatus
from .models import Agreement

TERMS = (
    "premium_target_monthly",
    "referrals_target_monthly",
    "repair_capacity_monthly",
    "service_capacity_monthly",
    "labour_discount",
    "parts_discount",
    "commission_rate",
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


def create_agreement(
    partner: Partner, *, acting_user: Any, agreement_no: str, starts_on, ends_on, **terms: Any
) -> Agreement:
    """A new active agreement; periods of one partner's active agreements may not overlap."""
    _require(acting_user)
    unknown = set(terms) - set(TERMS)
    if unknown:
        raise ValueError(f"unknown agreement terms {sorted(unknown)}")
    if ends_on < starts_on:
        raise DomainError("period_reversed", "终止日早于起始日 / ends before it starts", "ends_on")
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
            **terms,
        )
        audit.record(acting_user, AuditLog.Action.CREATE, agreement, summary=str(agreement))
        return agreement


def end_agreement(agreement: Agreement, *, acting_user: Any, on) -> Agreement:
    _require(acting_user)
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
