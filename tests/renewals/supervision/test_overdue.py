"""The overdue renewals behind a dashboard figure, nearest expiry first, a team leader's only
their team's."""

import datetime as dt

import pytest

from carecircle.renewals.supervision.overdue import overdue_list
from tests.renewals.conftest import AS_OF

pytestmark = pytest.mark.django_db


def test_the_overdue_list_names_the_renewals_behind_the_figure_nearest_expiry_first(book):
    found = overdue_list(book["manager"], AS_OF)
    assert [(t.expiry_date, t.assignee.username, t.days_left) for t in found.tasks] == [
        (dt.date(2026, 5, 15), "s2", 14),
        (dt.date(2026, 6, 2), "s1", 32),
    ]
    s1 = overdue_list(book["manager"], AS_OF, dimension="seat", key=str(book["s1"].pk))
    assert ([t.assignee.username for t in s1.tasks], s1.label) == (["s1"], "坐席一")
    ningbo = overdue_list(book["manager"], AS_OF, dimension="branch", key="宁波")
    assert [t.customer.city for t in ningbo.tasks] == ["宁波"]
    assert overdue_list(book["manager"], AS_OF, dimension="seat", key="none").tasks == []
    # A team leader sees the team's only, whatever row is asked for.
    mine = overdue_list(book["leader"], AS_OF, dimension="seat", key=str(book["s2"].pk))
    assert mine.tasks == []
    assert [t.assignee.username for t in overdue_list(book["leader"], AS_OF).tasks] == ["s1"]
