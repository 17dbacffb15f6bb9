"""The organisation tree (机构) with what sits in each unit: staff, customers (servicing unit)
and policies (issuing unit), each for the unit itself and for its whole subtree.

A reader sees their own unit's subtree (head office and superusers: the whole tree, plus the
rows that have no unit). The figures are counts per unit, never rows: a seat sees how many
customers its branch services, not which.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count

from carecircle.core.access import unit_subtree_ids
from carecircle.core.models import OrgUnit, User
from carecircle.core.roles import STAFF_ROLES
from carecircle.parties.models import Customer
from carecircle.policies.models import Policy

FIGURES = ("staff", "customers", "policies")


@dataclass
class UnitRow:
    unit: OrgUnit
    depth: int  # 0 for the top of what the reader sees
    own: dict[str, int] = field(default_factory=dict)  # booked on the unit itself
    total: dict[str, int] = field(default_factory=dict)  # the unit and everything below

    def as_dict(self) -> dict:
        return {
            "code": self.unit.code,
            "name": self.unit.name,
            "level": self.unit.level,
            "parent_code": self.unit.parent.code if self.unit.parent else None,
            "path": self.unit.path,
            "active": self.unit.active,
            "own": self.own,
            "total": self.total,
        }


@dataclass
class OrgTree:
    rows: list[UnitRow]
    whole: bool  # the reader sees the whole tree (and the rows without a unit)
    without_unit: dict[str, int]  # rows with no unit (whole-tree readers only)

    def as_dict(self) -> dict:
        data: dict = {"units": [r.as_dict() for r in self.rows]}
        if self.whole:
            data["without_unit"] = self.without_unit
        return data


def _by_unit(queryset, ids: list[int] | None) -> dict[int | None, int]:
    if ids is not None:
        queryset = queryset.filter(unit_id__in=ids)
    return dict(queryset.order_by().values_list("unit_id").annotate(n=Count("pk")))


def org_tree(user=None) -> OrgTree:
    """The tree ``user`` may see (``None``: the whole tree, for the command line)."""
    ids = None if user is None else unit_subtree_ids(user)
    units = OrgUnit.objects.select_related("parent").order_by("path")
    if ids is not None:
        units = units.filter(pk__in=ids)
    unit_list = list(units)
    sources = {
        "staff": User.objects.filter(role__in=STAFF_ROLES, is_active=True),
        "customers": Customer.objects.all(),
        "policies": Policy.objects.all(),
    }
    counts = {name: _by_unit(qs, ids) for name, qs in sources.items()}
    top = min((u.depth for u in unit_list), default=0)
    rows = [UnitRow(u, u.depth - top) for u in unit_list]
    by_code = {row.unit.code: row for row in rows}
    for row in rows:
        row.own = {name: counts[name].get(row.unit.pk, 0) for name in FIGURES}
        row.total = dict.fromkeys(FIGURES, 0)
    for row in rows:
        for code in row.unit.path.strip("/").split("/"):
            above = by_code.get(code)
            if above is not None:
                for name in FIGURES:
                    above.total[name] += row.own[name]
    whole = ids is None
    without = {name: counts[name].get(None, 0) for name in FIGURES} if whole else {}
    return OrgTree(rows, whole, without)
