"""The overdue renewals behind a dashboard figure (open, at or inside the first checkpoint,
customer not reached yet), nearest expiry first, one page at a time, to chase or reassign."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from ..conf import renewal_settings
from ..models import RenewalTask
from .scope import Dimension, Scope, key_of, label_of, overdue_in, scope_for


@dataclass
class OverduePage:
    scope: Scope
    as_of: dt.date
    dimension: str | None
    key: str
    label: str
    tasks: list[RenewalTask]
    number: int
    has_next: bool
    checkpoint_days: int


def _key_filter(dimension: str, raw: str, scope: Scope) -> Q:
    """The dashboard row a drill-down came from: ``by`` + ``key`` ("none" = no value); a unit
    row is its unit's subtree, the row of the unit shown only the renewals booked on it."""
    lookup, _names = key_of(dimension, "task")
    if raw == "none":
        return Q(**{f"{lookup}__isnull": True})
    if dimension == Dimension.UNIT:
        unit = scope.units.by_code(raw)
        if unit is None:
            return Q(pk__in=[])
        if scope.units.root is not None and unit.pk == scope.units.root.pk:
            return Q(unit_id=unit.pk)
        return Q(unit_id__in=scope.units.ids_under(unit))
    if dimension in (Dimension.SEAT, Dimension.TEAM):
        try:
            return Q(**{lookup: int(raw)})
        except ValueError:
            return Q(pk__in=[])
    return Q(**{lookup: raw})


def overdue_list(
    user: Any,
    as_of: dt.date,
    *,
    dimension: str | None = None,
    key: str = "",
    number: int = 1,
    per_page: int = 50,
    unit_code: str | None = "",
) -> OverduePage:
    """The overdue renewals themselves, nearest expiry first, optionally for one dashboard
    row (``dimension`` + ``key``) and one unit's subtree (``unit_code``); one query for the
    page (LIMIT per_page + 1), and one for the user's units when a unit is asked for."""
    scope = scope_for(user, unit_code)
    tasks = overdue_in(scope, as_of)
    label = ""
    if dimension in Dimension.values and key:
        tasks = tasks.filter(_key_filter(dimension, key, scope))
    else:
        dimension = None
    start = (number - 1) * per_page
    found = list(
        tasks.select_related("customer", "policy__vehicle", "assignee", "assignee__team").order_by(
            "expiry_date", "pk"
        )[start : start + per_page + 1]
    )
    if dimension and found:
        first = found[0]
        label = {
            Dimension.SEAT: lambda: label_of(
                dimension,
                first.assignee_id,
                (
                    getattr(first.assignee, "display_name", ""),
                    getattr(first.assignee, "username", ""),
                ),
            ),
            Dimension.TEAM: lambda: label_of(
                dimension,
                first.assignee.team_id if first.assignee else None,
                (first.assignee.team.name if first.assignee and first.assignee.team else "",),
            ),
            Dimension.CHANNEL: lambda: label_of(dimension, first.policy.channel, ()),
            Dimension.UNIT: lambda: scope.units.group_label(key),
            Dimension.BRANCH: lambda: label_of(dimension, first.customer.city, ()),
        }[Dimension(dimension)]()
    for task in found:
        task.days_left = (task.expiry_date - as_of).days  # type: ignore[attr-defined]
    return OverduePage(
        scope=scope,
        as_of=as_of,
        dimension=dimension,
        key=key,
        label=label,
        tasks=found[:per_page],
        number=number,
        has_next=len(found) > per_page,
        checkpoint_days=max(renewal_settings().checkpoint_days),
    )
