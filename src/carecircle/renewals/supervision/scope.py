"""The supervision pages' common ground: periods, dimensions and their grouping keys, who
supervises which renewals (``scope_for``, ``can_supervise``), the renewals due in a period and
those overdue now, and percentages as the pages show them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import DecimalField, Exists, OuterRef, Q, QuerySet, TextChoices
from django.utils.translation import gettext_lazy as _

from carecircle.core import dates
from carecircle.core.access import Action, in_subtree
from carecircle.core.roles import Perm, has_perm
from carecircle.core.unit_scope import UnitScope, unit_scope
from carecircle.parties.models import Team
from carecircle.policies.choices import Channel

from ..choices import CONNECTED_OUTCOMES, Stage
from ..conf import renewal_settings
from ..models import Contact, RenewalTask

PERCENT = Decimal("0.1")
MONEY: DecimalField = DecimalField(max_digits=16, decimal_places=2)


class Dimension(TextChoices):
    SEAT = "seat", _("按坐席 / By seat")
    TEAM = "team", _("按团队 / By team")
    CHANNEL = "channel", _("按渠道 / By channel")
    UNIT = "unit", _("按机构 / By unit")
    BRANCH = "branch", _("按客户城市 / By customer's city")


class PeriodKind(TextChoices):
    DAY = "day", _("日 / Day")
    WEEK = "week", _("周 / Week")
    MONTH = "month", _("月 / Month")


# ----------------------------------------------------------------------------- period, scope


@dataclass(frozen=True)
class Period:
    """Dates ``start`` (inclusive) to ``end`` (exclusive); weeks start on Monday."""

    kind: str
    start: dt.date
    end: dt.date

    @classmethod
    def containing(cls, kind: str, day: dt.date) -> Period:
        kind = PeriodKind(kind)
        if kind == PeriodKind.DAY:
            return cls(kind, day, day + dt.timedelta(days=1))
        if kind == PeriodKind.WEEK:
            start = day - dt.timedelta(days=day.weekday())
            return cls(kind, start, start + dt.timedelta(days=7))
        start = dates.first_of(day)
        return cls(kind, start, dates.next_month(start))

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    def previous(self) -> Period:
        return Period.containing(self.kind, self.start - dt.timedelta(days=1))

    def next(self) -> Period:
        return Period.containing(self.kind, self.end)

    def moments(self) -> tuple[dt.datetime, dt.datetime]:
        """The period's local midnight boundaries (Asia/Shanghai by default)."""
        return dates.midnight(self.start), dates.midnight(self.end)


@dataclass(frozen=True)
class Scope:
    """The whole book as the user sees it (``team_id`` None: their unit's subtree, head office
    every unit) or one team; narrowed to one unit's subtree when ``units`` has one chosen."""

    user: Any
    team_id: int | None
    team_name: str = ""
    units: UnitScope = field(default_factory=lambda: UnitScope(None, units=[]))

    @property
    def whole_book(self) -> bool:
        return self.team_id is None

    @property
    def unit_name(self) -> str:
        """The unit the figures are about ("" for the whole national book)."""
        root = self.units.root
        if root is None or (root.parent_id is None and self.units.chosen is None):
            return ""
        return root.name


def scope_for(user: Any, unit_code: str | None = "") -> Scope:
    """Whose figures the pages show: renewal supervisors their unit's subtree (head office
    every renewal; ``restrict`` narrows the rows), the team a leader leads; anyone else is
    refused. ``unit_code`` (``?unit=``) narrows to one unit of the user's subtree; a unit
    outside it is a 404 — checked after the permission, so a refusal stays a refusal."""
    if has_perm(user, Perm.SUPERVISE_RENEWALS):
        return Scope(user, None, units=unit_scope(user, unit_code))
    teams = Team.objects.restrict(user, Action.REPORT)
    team = teams.filter(pk=getattr(user, "team_id", None)).first()
    if team is None:
        raise PermissionDenied("无续保督导权限 / you do not supervise renewals")
    return Scope(user, team.pk, team.name, units=unit_scope(user, unit_code))


def can_supervise(user: Any, task: RenewalTask | None = None) -> bool:
    """Renewal supervisors supervise the renewals of their unit's subtree (head office every
    renewal), a team leader the team's (``Team``'s reach for ``report``, core.access)."""
    if has_perm(user, Perm.SUPERVISE_RENEWALS):
        return task is None or in_subtree(user, task.unit_id)
    teams = Team.objects.restrict(user, Action.REPORT)
    if task is None:
        return teams.exists()
    return task.assignee is not None and teams.filter(pk=task.assignee.team_id).exists()


def tasks_in(scope: Scope) -> QuerySet[RenewalTask]:
    """The renewals in ``scope``: those the user may see, assigned to the team when the scope
    is one team, of the chosen unit's subtree when one is chosen."""
    tasks = scope.units.narrow(RenewalTask.objects.restrict(scope.user))
    return tasks if scope.whole_book else tasks.filter(assignee__team_id=scope.team_id)


def activity_in(qs: QuerySet, scope: Scope) -> QuerySet:
    """Activity rows (contacts, quotes, blocks) the user may see, of the team's members when
    the scope is one team, on renewals of the chosen unit's subtree when one is chosen."""
    qs = scope.units.narrow(qs.restrict(scope.user), "task__unit")  # type: ignore[attr-defined]
    return qs if scope.whole_book else qs.filter(by__team_id=scope.team_id)


def pct(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    """part ÷ whole as a percentage with one decimal (66.7); None when nothing is due."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(PERCENT)


def due_in(scope: Scope, period: Period) -> QuerySet[RenewalTask]:
    """The renewals in ``scope`` expiring in ``period`` (到期口径)."""
    return tasks_in(scope).filter(expiry_date__gte=period.start, expiry_date__lt=period.end)


def was_reached() -> Exists:
    """The customer was spoken to: a connected call, or an outcome only a conversation gives."""
    spoken = Contact.objects.filter(task=OuterRef("pk")).filter(
        Q(connected=True) | Q(outcome__in=list(CONNECTED_OUTCOMES))
    )
    return Exists(spoken)


def overdue_in(scope: Scope, as_of: dt.date) -> QuerySet[RenewalTask]:
    """Open renewals at or inside the first checkpoint whose customer is not reached yet."""
    checkpoint = max(renewal_settings().checkpoint_days)
    return (
        tasks_in(scope)
        .filter(stage__in=[Stage.RESERVED, Stage.TELESALES])
        .filter(expiry_date__lte=as_of + dt.timedelta(days=checkpoint))
        .exclude(was_reached())
    )


# ----------------------------------------------------------------------------- grouping keys

# Per dimension and source: (key lookup, label lookups). A seat is the renewal's assignee for
# results and overdue, the person who acted for activity; a channel is the channel that sold
# last year's policy; a unit (机构) is the renewal's unit, rolled up to the units directly
# below the one shown (``core.unit_scope``); a branch is the customer's city.
KEYS: dict[str, dict[str, tuple[str, tuple[str, ...]]]] = {
    Dimension.SEAT: {
        "task": ("assignee_id", ("assignee__display_name", "assignee__username")),
        "act": ("by_id", ("by__display_name", "by__username")),
    },
    Dimension.TEAM: {
        "task": ("assignee__team_id", ("assignee__team__name",)),
        "act": ("by__team_id", ("by__team__name",)),
    },
    Dimension.CHANNEL: {
        "task": ("policy__channel", ()),
        "contact": ("task__policy__channel", ()),
        "act": ("task__policy__channel", ()),
    },
    Dimension.UNIT: {
        "task": ("unit_id", ()),
        "act": ("task__unit_id", ()),
    },
    Dimension.BRANCH: {
        "task": ("customer__city", ()),
        "contact": ("customer__city", ()),
        "act": ("task__customer__city", ()),
        "block": ("customer__city", ()),
    },
}


def key_of(dimension: str, source: str) -> tuple[str, tuple[str, ...]]:
    keys = KEYS[dimension]
    return keys.get(source) or keys["act"]


def label_of(dimension: str, key: Any, names: tuple[Any, ...]) -> str:
    if dimension == Dimension.CHANNEL:
        return str(Channel(key).label) if key in Channel.values else (key or "—")
    if dimension == Dimension.BRANCH:
        return key or str(_("未知 / Unknown"))
    if key is None:
        return str(_("未分配 / Unassigned"))
    return next((str(n) for n in names if n), str(key))
