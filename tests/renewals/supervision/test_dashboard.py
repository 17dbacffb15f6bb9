"""考核督导 figures per seat, team, channel and branch on a hand-built book, and who may see
them."""

import datetime as dt
from decimal import Decimal

import pytest

from carecircle.renewals.choices import Status
from carecircle.renewals.models import RenewalTask
from carecircle.renewals.supervision.dashboard import dashboard
from carecircle.renewals.supervision.losses import why_lost
from carecircle.renewals.supervision.scope import Dimension, Period
from tests.renewals.conftest import AS_OF

from .book import MAY, rows, successor

pytestmark = pytest.mark.django_db


def test_seat_figures_for_the_month_are_exact(book):
    board = dashboard(book["manager"], "seat", MAY, AS_OF)
    by_seat = rows(board)
    assert list(by_seat) == ["坐席一", "坐席二"]
    s1, s2 = by_seat["坐席一"], by_seat["坐席二"]
    assert (s1.due, s1.reached, s1.renewed, s1.lost) == (2, 2, 1, 1)
    assert (s1.premium_due, s1.premium_renewed, s1.premium_written) == (
        Decimal("5855.00"),
        Decimal("3855.00"),
        Decimal("3955.00"),
    )
    assert (s1.contact_rate, s1.renewal_rate) == (Decimal("100.0"), Decimal("50.0"))
    assert (s1.premium_renewal_rate, s1.premium_retained) == (Decimal("65.8"), Decimal("67.5"))
    assert s1.average_attempts == Decimal("1.50")
    # Activity in May only: the 30 April call and block are the month before.
    assert (s1.calls, s1.connected_calls, s1.quotes, s1.blocked) == (2, 2, 1, 0)
    assert s1.overdue == 1  # T6, two June days away and never reached
    assert (s2.due, s2.reached, s2.renewed, s2.lost) == (2, 0, 1, 0)
    assert (s2.contact_rate, s2.renewal_rate) == (Decimal("0.0"), Decimal("50.0"))
    assert (s2.premium_renewal_rate, s2.premium_retained) == (Decimal("44.4"), Decimal("46.7"))
    assert (s2.calls, s2.connected_calls, s2.quotes, s2.blocked, s2.overdue) == (2, 0, 0, 1, 1)
    total = board.total
    assert (total.due, total.renewed, total.calls, total.overdue) == (4, 2, 4, 2)
    assert total.premium_written == Decimal("8155.00")
    assert total.premium_retained == Decimal("54.9")  # 8155 / 14855


def test_lost_reasons_and_the_competitor_price_gap_use_our_last_quote(book):
    board = dashboard(book["manager"], "seat", MAY, AS_OF)
    assert [(r["reason"], r["n"], r["premium"], r["share"]) for r in board.lost_reasons] == [
        ("price", 1, Decimal("2000.00"), Decimal("100.0"))
    ]
    [rival] = board.competitors
    assert (rival["competitor"], rival["n"], rival["priced"]) == ("平安", 1, 1)
    # ¥1,800 against our last quote of ¥2,100 (not the earlier ¥2,300).
    assert (rival["average_gap"], rival["gap_pct"]) == (Decimal("-300.00"), Decimal("-14.3"))
    assert [(b["rule"], b["n"]) for b in board.blocked_rules] == [("calling_hours", 1)]


def test_team_channel_and_branch_views_group_the_same_renewals(book):
    manager = book["manager"]
    teams = rows(dashboard(manager, Dimension.TEAM, MAY, AS_OF))
    assert {k: (r.due, r.renewed, r.calls, r.blocked) for k, r in teams.items()} == {
        "电销一组": (2, 1, 2, 0),
        "电销二组": (2, 1, 2, 1),
    }
    channels = rows(dashboard(manager, Dimension.CHANNEL, MAY, AS_OF))
    assert {k: (r.due, r.renewed, r.premium_written) for k, r in channels.items()} == {
        "直销 / Direct": (3, 1, Decimal("3955.00")),
        "个人代理 / Agent": (1, 1, Decimal("4200.00")),
    }
    branches = rows(dashboard(manager, Dimension.BRANCH, MAY, AS_OF))
    assert {k: (r.due, r.calls, r.blocked, r.overdue) for k, r in branches.items()} == {
        "杭州": (3, 2, 0, 1),
        "宁波": (1, 2, 1, 1),
    }


def test_daily_and_weekly_periods_cut_results_by_expiry_and_activity_by_time(book):
    day = dashboard(book["manager"], "seat", Period.containing("day", AS_OF), AS_OF)
    # Nothing expires on 1 May; the day's calls, quote and block all happened that day.
    assert (day.total.due, day.total.calls, day.total.quotes, day.total.blocked) == (0, 4, 1, 1)
    week = Period.containing("week", AS_OF + dt.timedelta(days=14))  # Fri 15 May
    assert (week.start, week.end) == (dt.date(2026, 5, 11), dt.date(2026, 5, 18))
    board = dashboard(book["manager"], "seat", week, AS_OF)
    # Only T3 (15 May) expires that week; nobody called during it.
    assert (board.total.due, board.total.premium_due, board.total.calls) == (
        1,
        Decimal("5000.00"),
        0,
    )


# ----------------------------------------------------------------------------- access


def test_a_team_leader_sees_only_the_team(book):
    board = dashboard(book["leader"], "seat", MAY, AS_OF)
    assert board.scope.team_name == "电销一组"
    assert [r.label for r in board.rows] == ["坐席一"]
    assert (board.total.due, board.total.calls, board.total.blocked, board.total.overdue) == (
        2,
        2,
        0,
        1,
    )
    assert why_lost(book["leader"], MAY).endings[0]["n"] == 1


def test_accepted_but_unpaid_is_shown_apart_and_never_counted_as_renewed(book):
    """见费出单: a renewal counts as renewed only once its policy is issued; an accepted offer
    awaiting payment is its own figure."""
    open_task = RenewalTask.objects.get(
        assignee=book["s2"], status=Status.OPEN, expiry_date__month=5
    )
    open_task.status = Status.AWAITING_PAYMENT
    open_task.save()
    s2 = rows(dashboard(book["manager"], "seat", MAY, AS_OF))["坐席二"]
    assert (s2.due, s2.renewed, s2.awaiting_payment) == (2, 1, 1)
    assert s2.premium_written == Decimal("4200.00")  # only the agent's issued renewal


def test_a_compulsory_only_renewal_is_written_once(book):
    """When only 交强险 was renewed the successor is the companion's renewal: its premium
    counts once, not as successor and companion both."""
    t = RenewalTask.objects.filter(assignee=book["s2"], status=Status.OPEN, companion__isnull=False)
    t = t.filter(expiry_date__month=5).get()
    t.successor = successor(t.companion, "900.00")
    t.status = Status.RENEWED
    t.save()
    s2 = rows(dashboard(book["manager"], "seat", MAY, AS_OF))["坐席二"]
    assert s2.premium_written == Decimal("4200.00") + Decimal("900.00")
