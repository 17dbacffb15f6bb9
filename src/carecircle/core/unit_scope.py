"""The unit filter (机构) of reports, dashboards and exports, and their "by unit" groupings.

``?unit=<code>`` narrows a page to one unit's subtree *inside* what the user may see: the rows
have already gone through ``restrict`` (a manager of a city branch sees that branch's subtree),
and the filter only adds a condition, so it can never widen a scope. The select lists the
user's subtree (``core.org.unit_choices``); a code outside it — another branch's, or one that
does not exist — is refused with 404 (``UnitOutsideScope``), never silently ignored, so a
bookmarked link cannot show figures the reader would take for another unit's.

A "by unit" grouping rolls rows up to the units directly below the one the page is about (the
unit chosen, else the user's own): head office sees its provincial branches, a provincial
branch its city branches, a city branch its sub-branches; rows booked on that unit itself form
one row of their own ("本级"), rows with no unit another (head office only sees those).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property
from typing import Any, TypeVar

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from .access import unit_subtree_ids
from .models import OrgUnit
from .org import unit_choices

NO_UNIT = "none"  # the key of the rows that have no unit
QS = TypeVar("QS", bound=QuerySet)


class UnitOutsideScope(Http404):
    """The unit asked for is not in the user's subtree (or does not exist)."""


class UnitScope:
    """The units a user may filter by (``units``, path order, read on first use), the one
    chosen (``None``: the page is not filtered) and the unit the page is about (``root``)."""

    def __init__(self, user, chosen: OrgUnit | None = None, units: list[OrgUnit] | None = None):
        self.user = user
        self.chosen = chosen
        if units is not None:
            self.__dict__["units"] = units

    @cached_property
    def units(self) -> list[OrgUnit]:
        if unit_subtree_ids(self.user) == []:  # staff with no unit, partners, customers
            return []
        return unit_choices(self.user)

    @cached_property
    def _by_pk(self) -> dict[int, OrgUnit]:
        return {u.pk: u for u in self.units}

    @cached_property
    def _by_code(self) -> dict[str, OrgUnit]:
        return {u.code: u for u in self.units}

    @cached_property
    def root(self) -> OrgUnit | None:
        """The unit the page is about: the one chosen, else the user's own (head office for a
        superuser without one)."""
        if self.chosen is not None:
            return self.chosen
        if getattr(self.user, "unit_id", None):
            return self.user.unit  # the login read it with the user (core.backends)
        return next((u for u in self.units if u.parent_id is None), None)

    # ------------------------------------------------------------------ the filter

    @property
    def code(self) -> str:
        return self.chosen.code if self.chosen else ""

    @property
    def query(self) -> str:
        """``unit=<code>`` for links that keep the filter ("" when not filtered)."""
        return f"unit={self.chosen.code}" if self.chosen else ""

    @property
    def show_select(self) -> bool:
        """Whether the page offers the select: only when there is more than one unit."""
        return len(self.units) > 1

    def ids_under(self, unit: OrgUnit) -> list[int]:
        return [u.pk for u in self.units if u.path.startswith(unit.path)]

    def narrow(self, qs: QS, lookup: str = "unit") -> QS:
        """``qs`` limited to the chosen unit's subtree through ``lookup`` (a path to a unit
        foreign key); unchanged when nothing is chosen. Only ever adds a condition."""
        if self.chosen is None:
            return qs
        return qs.filter(self.condition(lookup))

    def condition(self, lookup: str = "unit") -> Q:
        if self.chosen is None:
            return Q()
        return Q(**{f"{lookup}__in": self.ids_under(self.chosen)})

    @property
    def cache_key(self) -> str:
        """What the figures of a page depend on besides the user's own scope."""
        return self.chosen.code if self.chosen else "-"

    # ------------------------------------------------------------------ by unit

    def unit(self, pk: int | None) -> OrgUnit | None:
        return self._by_pk.get(pk) if pk is not None else None

    def by_code(self, code: str) -> OrgUnit | None:
        return self._by_code.get(code)

    def group_of(self, unit_id: int | None) -> OrgUnit | None:
        """The unit a row of ``unit_id`` is shown under: the root itself or the unit directly
        below it on the way to ``unit_id``; ``None`` for a row with no unit (or one outside
        the tree, e.g. an inactive unit)."""
        unit = self.unit(unit_id)
        root = self.root
        if unit is None or root is None or not unit.path.startswith(root.path):
            return None
        if unit.pk == root.pk:
            return root
        child_code = unit.path[len(root.path) :].split("/", 1)[0]
        return self._by_code.get(child_code)

    def group_key(self, unit_id: int | None) -> str:
        group = self.group_of(unit_id)
        return group.code if group is not None else NO_UNIT

    def group_label(self, key: str) -> str:
        unit = self._by_code.get(key)
        if unit is None:
            return _("未分配机构 / No unit")
        if self.root is not None and unit.pk == self.root.pk:
            return _("%(name)s(本级) / %(name)s itself") % {"name": unit.name}
        return unit.name

    def rollup(self, rows: Iterable[tuple[int | None, Any]]) -> dict[str, list[Any]]:
        """``(unit_id, item)`` pairs gathered per group key (root's children order)."""
        out: dict[str, list[Any]] = {}
        for unit_id, item in rows:
            out.setdefault(self.group_key(unit_id), []).append(item)
        return out

    def group_order(self, key: str) -> tuple[int, str]:
        """Sort key for group keys: the root first, then its children in code order, no unit
        last."""
        if key == NO_UNIT:
            return (2, "")
        if self.root is not None and key == self.root.code:
            return (0, "")
        unit = self._by_code.get(key)
        return (1, unit.path if unit else key)


def unit_scope(user, code: str | None = "") -> UnitScope:
    """The unit filter for ``user`` with ``code`` asked for (``?unit=``); a code outside the
    user's subtree raises ``UnitOutsideScope`` (404). The user's subtree is read (one query)
    only when a code is given or the page needs the list."""
    code = (code or "").strip()
    scope = UnitScope(user)
    if code:
        scope.chosen = scope._by_code.get(code)
        if scope.chosen is None:
            raise UnitOutsideScope(
                _("机构不在您的管辖范围内 / unit %(code)s is outside your scope") % {"code": code}
            )
    return scope


def unit_scope_for(request) -> UnitScope:
    """The unit filter a page's request asks for (``?unit=<code>``)."""
    return unit_scope(request.user, request.GET.get("unit", ""))
