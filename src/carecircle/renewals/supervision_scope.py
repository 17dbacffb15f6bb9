"""The supervision pages' common ground: periods, dimensions, who sees which renewals
(``scope_for``), the renewals due in a period, and percentages as the pages show them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import (
    DecimalField,
    QuerySet,
    TextChoices,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carecircle.core.access import Action
from carecircle.parties.models import Team

from .models import (
    RenewalTask,
)

PERCENT = Decimal("0.1")
MONEY: DecimalField = DecimalField(max_digits=16, decimal_places=2)


class Dimension(TextChoices):
    SEAT = "seat", _("按坐席 / By seat")
    TEAM = "team", _("按团队 / By team")
    CHANNEL = "channel", _("按渠道 / By channel")
    BRANCH = "branch", _("按机构(城市) / By branch (city)")


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
        start = day.replace(day=1)
        end = (start + dt.timedelta(days=32)).replace(day=1)
        return cls(kind, start, end)

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    def previous(self) -> Period:
        return Period.containing(self.kind, self.start - dt.timedelta(days=1))

    def next(self) -> Period:
        return Period.containing(self.kind, self.end)

    def moments(self) -> tuple[dt.datetime, dt.datetime]:
        """The period's local midnight boundaries (Asia/Shanghai by default)."""
        zone = timezone.get_current_timezone()
        return (
            dt.datetime.combine(self.start, dt.time.min, tzinfo=zone),
            dt.datetime.combine(self.end, dt.time.min, tzinfo=zone),
        )


@dataclass(frozen=True)
class Scope:
    """The whole book (``team_id`` None) or one team."""

    user: Any
    team_id: int | None
    team_name: str = ""

    @property
    def whole_book(self) -> bool:
        return self.team_id is None


def scope_for(user: Any) -> Scope:
    """Whose figures the pages show: every team's for renewal supervisors, the team a leader
    leads; anyone else is refused. Which teams a user may report on is ``Team``'s reach."""
    teams = Team.objects.restrict(user, Action.REPORT)
    if teams.reaches_all(user, Action.REPORT):
        return Scope(user, None)
    team = teams.filter(pk=getattr(user, "team_id", None)).first()
    if team is None:
        raise PermissionDenied("无续保督导权限 / you do not supervise renewals")
    return Scope(user, team.pk, team.name)


def _tasks(scope: Scope) -> QuerySet[RenewalTask]:
    tasks = RenewalTask.objects.restrict(scope.user)
    return tasks if scope.whole_book else tasks.filter(assignee__team_id=scope.team_id)


def _by_team(qs: QuerySet, scope: Scope) -> QuerySet:
    """Activity rows (contacts, quotes, blocks) the user may see, of the team's members when
    the scope is one team."""
    qs = qs.restrict(scope.user)  # type: ignore[attr-defined]
    return qs if scope.whole_book else qs.filter(by__team_id=scope.team_id)


def pct(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    """part ÷ whole as a percentage with one decimal (66.7); None when nothing is due."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(PERCENT)


def due_in(scope: Scope, period: Period) -> QuerySet[RenewalTask]:
    return _tasks(scope).filter(expiry_date__gte=period.start, expiry_date__lt=period.end)
