"""Recording contacts on the customer timeline: one transaction each, audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from carecircle.core import audit, locks
from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog
from carecircle.parties.models import Customer
from carecircle.parties.services import require_visible, snapshot
from carecircle.policies.models import Policy

from ..choices import ContactType, Direction, Medium, Outcome
from ..models import Interaction

INTERACTION_FIELDS = (
    "contact_type",
    "medium",
    "direction",
    "occurred_at",
    "summary",
    "outcome",
    "satisfaction",
    "policy_id",
    "partner_id",
)


def _require_staff(user) -> None:
    # Contacts are recorded by the insurer's own people; partners report through their portal.
    if not getattr(user, "is_authenticated", False) or not user.is_insurer_staff:
        raise PermissionDenied("只有本公司员工可记录接触 / only insurer staff record contacts")


def _check(interaction: Interaction) -> None:
    for field, choices in (
        ("contact_type", ContactType),
        ("medium", Medium),
        ("direction", Direction),
        ("outcome", Outcome),
    ):
        value = getattr(interaction, field)
        if value not in choices.values:
            allowed = ", ".join(choices.values)
            raise DomainError(
                f"unknown_{field}",
                f"{field} 须为 {allowed} 之一 / {field} must be one of {allowed}",
                field,
            )
    if (
        not isinstance(interaction.occurred_at, dt.datetime)
        or interaction.occurred_at.tzinfo is None
    ):
        raise DomainError(
            "occurred_at_naive", "时间须带时区 / time must include a time zone", "occurred_at"
        )
    if interaction.satisfaction is not None and not 1 <= interaction.satisfaction <= 5:
        raise DomainError(
            "satisfaction_range", "满意度须为1–5 / satisfaction is 1 to 5", "satisfaction"
        )
    if (
        interaction.policy_id is not None
        and not Policy.objects.filter(
            pk=interaction.policy_id, customer_id=interaction.customer_id
        ).exists()
    ):
        raise DomainError(
            "policy_not_customers",
            "保单不属于该客户 / the policy belongs to another customer",
            "policy_id",
        )


def record_interaction(customer: Customer, *, acting_user, **data: Any) -> Interaction:
    """One contact of one of the five types; the acting user is the staff member."""
    _require_staff(acting_user)
    require_visible(customer, acting_user)
    unknown = set(data) - {*INTERACTION_FIELDS, "interaction_no"}
    if unknown:
        raise ValueError(f"unknown interaction fields {sorted(unknown)}")
    with transaction.atomic():
        interaction_no = (data.pop("interaction_no", "") or "").strip()
        if interaction_no and Interaction.objects.filter(interaction_no=interaction_no).exists():
            raise DomainError(
                "duplicate_interaction_no",
                "接触编号已存在 / interaction no. already exists",
                "interaction_no",
                status=409,
            )
        interaction = Interaction(
            customer=customer,
            staff=acting_user,
            interaction_no=interaction_no,
            source="manual",
            **data,
        )
        _check(interaction)
        interaction.save()
        audit.record(
            acting_user,
            AuditLog.Action.CREATE,
            interaction,
            summary=interaction.get_contact_type_display(),
        )
        return interaction


def update_interaction(interaction: Interaction, *, acting_user, **changes: Any) -> Interaction:
    _require_staff(acting_user)
    require_visible(interaction, acting_user)
    unknown = set(changes) - set(INTERACTION_FIELDS)
    if unknown:
        raise ValueError(f"unknown interaction fields {sorted(unknown)}")
    with transaction.atomic():
        interaction = locks.lock(Interaction, pk=interaction.pk)
        before = snapshot(interaction, INTERACTION_FIELDS)
        for field, value in changes.items():
            setattr(interaction, field, value)
        _check(interaction)
        interaction.save()
        audit.record(
            acting_user,
            AuditLog.Action.UPDATE,
            interaction,
            changes=audit.diff(before, snapshot(interaction, INTERACTION_FIELDS)),
        )
        return interaction
