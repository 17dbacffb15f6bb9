"""考核督导: the supervision figures on a hand-built book, who may see them, and that the
dashboard costs a fixed number of queries whatever the book's size."""

import datetime as dt
from decimal import Decimal
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from carecircle.core.models import AuditLog
from carecircle.core.roles import Role
from carecircle.renewals import supervision
from carecircle.renewals.models import (
    ComplianceBlock,
    Contact,
    Quote,
    RenewalTask,
    Segment,
    Stage,
    Status,
)
from carecircle.renewals.supervision import Dimension, Period
from tests.factories import CustomerFactory, PolicyFactory, TeamFactory, UserFactory

from .conftest import AS_OF, at, expiring

pytestmark = pytest.mark.django_db

MAY = Period.containing("month", AS_OF)
_keys = iter(range(1, 1_000_000))


def task(
    lead, assignee, *, status=Status.OPEN, premium, attempts=0, stage=None, **fields
) -> RenewalTask:
    closed = status not in (Status.OPEN, Status.CALLBACK, Status.QUOTED)
    return RenewalTask.objects.create(
        policy=lead,
        companion=lead.vehicle.policies.filter(kind="compulsory").first(),
        customer=lead.customer,
        expiry_date=lead.expiry_date,
        premium_last_year=Decimal(premium),
        stage=stage or (Stage.DONE if closed else Stage.TELESALES),
        status=status,
        segment=fields.pop("segment", Segment.STANDARD),
        lift=Decimal("0.1"),
        assignee=assignee,
        attempts=attempts,
        **fields,
    )


def contact(t, by, when, *, connected=False, outcome="not_reached", **fields) -> Contact:
    return Contact.objects.create(
        task=t,
        customer=t.customer,
        channel="telesales",
        by=by,
        at=when,
        connected=connected,
        outcome=outcome,
        idempotency_key=f"k{next(_keys)}",
        **fields,
    )


def successor(old, premium) -> object:
    return PolicyFactory(
        kind=old.kind,
        vehicle=old.vehicle,
        customer=old.customer,
        renews=old,
        effective_date=old.expiry_date,
        expiry_date=old.expiry_date + dt.timedelta(days=365),
        premium=Decimal(premium),
        channel="telesales",
    )


@pytest.fixture
def book(today):
    """Two teams. May 2026 (AS_OF = 1 May) has four renewals due:

    T1 s1 renewed by phone: ¥3,000 + ¥855 compulsory last year → ¥3,100 + ¥855 written;
    T2 s1 lost on price to 平安 at ¥1,800 against our last quote ¥2,100 (¥2,000 last year);
    T3 s2 open, three unanswered attempts (one in April), ¥5,000, city 宁波 → overdue;
    T4 s2 renewed by the agent at ¥4,200 (¥4,000 last year), never reached by a seat;
    outside May: T5 unassigned, expiring 20 June (not overdue yet); T6 s1 expiring 2 June,
    never reached → overdue (33-day checkpoint: everything open expiring by 3 June).
    """
    team_a = TeamFactory(name="电销一组")
    team_b = TeamFactory(name="电销二组")
    leader = UserFactory(username="lead_a", role=Role.SEAT, team=team_a, display_name="组长甲")
    team_a.leader = leader
    team_a.save()
    s1 = UserFactory(username="s1", role=Role.SEAT, team=team_a, display_name="坐席一")
    s2 = UserFactory(username="s2", role=Role.SEAT, team=team_b, display_name="坐席二")
    owned = {"owner": s1}

    lead1 = expiring(9, customer=CustomerFactory(**owned))
    t1 = task(lead1, s1, status=Status.RENEWED, premium="3855.00", attempts=2)
    t1.successor = successor(lead1, "3100.00")
    successor(t1.companion, "855.00")
    t1.save()
    contact(t1, s1, at(AS_OF - dt.timedelta(days=1), 23, 30))  # April: not in May's activity
    contact(t1, s1, at(AS_OF, 9, 30), connected=True, outcome="renewed", recording_ref="r1")

    lead2 = expiring(19, customer=CustomerFactory(**owned), premium="2000.00", compulsory=False)
    t2 = task(
        lead2,
        s1,
        status=Status.LOST,
        premium="2000.00",
        attempts=1,
        lost_reason="price",
        competitor="平安",
        competitor_price=Decimal("1800.00"),
        segment=Segment.HIGH_VALUE_AT_RISK,
        tier="gold",
    )
    contact(t2, s1, at(AS_OF, 9, 40), connected=True, outcome="lost", recording_ref="r2")
    for total, day in (("2300.00", AS_OF - dt.timedelta(days=3)), ("2100.00", AS_OF)):
        quote = Quote.objects.create(
            task=t2,
            by=s1,
            base_premium=Decimal("2000.00"),
            ncd_level=0,
            ncd_coefficient=Decimal("1.000"),
            pricing_coefficient=Decimal("1.000"),
            traffic_violation_coefficient=Decimal("1.000"),
            commercial_premium=Decimal(total),
            total=Decimal(total),
            last_year_total=Decimal("2000.00"),
        )
        Quote.objects.filter(pk=quote.pk).update(at=at(day, 9, 35))  # at is auto_now_add

    lead3 = expiring(14, customer=CustomerFactory(city="宁波", owner=s2), premium="4145.00")
    t3 = task(lead3, s2, premium="5000.00", attempts=3)
    contact(t3, s2, at(AS_OF - dt.timedelta(days=2), 10))
    contact(t3, s2, at(AS_OF, 9, 10))
    contact(t3, s2, at(AS_OF, 9, 50))

    lead4 = expiring(24, customer=CustomerFactory(owner=s2), premium="4000.00", compulsory=False)
    lead4.channel = "agent"
    lead4.save()
    t4 = task(lead4, s2, status=Status.RENEWED, premium="4000.00", renewed_channel="agent")
    t4.successor = successor(lead4, "4200.00")
    t4.save()

    task(expiring(50), None, premium="3855.00")
    task(expiring(32, customer=CustomerFactory(**owned)), s1, premium="3855.00")

    ComplianceBlock.objects.create(
        task=t3, customer=t3.customer, by=s2, at=at(AS_OF, 8, 59), rule="calling_hours", message="x"
    )
    ComplianceBlock.objects.create(
        task=t1,
        customer=t1.customer,
        by=s1,
        at=at(AS_OF - dt.timedelta(days=1), 21, 5),
        rule="calling_hours",
        message="x",
    )
    manager = UserFactory(username="boss", role=Role.MANAGER)
    return {"manager": manager, "leader": leader, "s1": s1, "s2": s2, "t2": t2}


def rows(board):
    return {r.label: r for r in board.rows}


def test_seat_figures_for_the_month_are_exact(book):
    board = supervision.dashboard(book["manager"], "seat", MAY, AS_OF)
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
    board = supervision.dashboard(book["manager"], "seat", MAY, AS_OF)
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
    teams = rows(supervision.dashboard(manager, Dimension.TEAM, MAY, AS_OF))
    assert {k: (r.due, r.renewed, r.calls, r.blocked) for k, r in teams.items()} == {
        "电销一组": (2, 1, 2, 0),
        "电销二组": (2, 1, 2, 1),
    }
    channels = rows(supervision.dashboard(manager, Dimension.CHANNEL, MAY, AS_OF))
    assert {k: (r.due, r.renewed, r.premium_written) for k, r in channels.items()} == {
        "直销 / Direct": (3, 1, Decimal("3955.00")),
        "个人代理 / Agent": (1, 1, Decimal("4200.00")),
    }
    branches = rows(supervision.dashboard(manager, Dimension.BRANCH, MAY, AS_OF))
    assert {k: (r.due, r.calls, r.blocked, r.overdue) for k, r in branches.items()} == {
        "杭州": (3, 2, 0, 1),
        "宁波": (1, 2, 1, 1),
    }


def test_daily_and_weekly_periods_cut_results_by_expiry_and_activity_by_time(book):
    day = supervision.dashboard(book["manager"], "seat", Period.containing("day", AS_OF), AS_OF)
    # Nothing expires on 1 May; the day's calls, quote and block all happened that day.
    assert (day.total.due, day.total.calls, day.total.quotes, day.total.blocked) == (0, 4, 1, 1)
    week = Period.containing("week", AS_OF + dt.timedelta(days=14))  # Fri 15 May
    assert (week.start, week.end) == (dt.date(2026, 5, 11), dt.date(2026, 5, 18))
    board = supervision.dashboard(book["manager"], "seat", week, AS_OF)
    # Only T3 (15 May) expires that week; nobody called during it.
    assert (board.total.due, board.total.premium_due, board.total.calls) == (
        1,
        Decimal("5000.00"),
        0,
    )


def test_why_we_lose_breaks_losses_down_by_reason_segment_and_tier(book):
    analysis = supervision.why_lost(book["manager"], MAY)
    assert [(e["status"], e["n"], e["share"]) for e in analysis.endings] == [
        ("renewed", 2, Decimal("50.0")),
        ("lost", 1, Decimal("25.0")),
        ("open", 1, Decimal("25.0")),
    ]
    assert [(m["lost_reason"], m["segment"], m["tier"], m["n"]) for m in analysis.matrix] == [
        ("price", Segment.HIGH_VALUE_AT_RISK, "gold", 1)
    ]
    assert analysis.competitors[0]["average_price"] == Decimal("1800.00")


# ----------------------------------------------------------------------------- access


def test_a_team_leader_sees_only_the_team(book):
    board = supervision.dashboard(book["leader"], "seat", MAY, AS_OF)
    assert board.scope.team_name == "电销一组"
    assert [r.label for r in board.rows] == ["坐席一"]
    assert (board.total.due, board.total.calls, board.total.blocked, board.total.overdue) == (
        2,
        2,
        0,
        1,
    )
    assert supervision.why_lost(book["leader"], MAY).endings[0]["n"] == 1


@pytest.mark.parametrize(
    "name", ["supervise", "supervise_lost", "supervise_export", "supervise_overdue"]
)
def test_seats_who_lead_no_team_and_other_staff_are_refused_and_audited(client, book, name):
    for user in (
        book["s1"],
        UserFactory(role=Role.SALES_AGENT),
        UserFactory(role=Role.CLAIMS_HANDLER),
    ):
        client.force_login(user)
        response = client.get(reverse(f"renewals:{name}"))
        assert response.status_code == 403
    assert AuditLog.objects.filter(action=AuditLog.Action.DENIED).count() == 3


def test_anonymous_visitors_are_sent_to_log_in(client, book):
    response = client.get(reverse("renewals:supervise"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_dashboard_page_shows_the_figures(client, book):
    client.force_login(book["manager"])
    response = client.get(reverse("renewals:supervise"), {"period": "month", "date": "2026-05-01"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-figure="premium_retained"><div class="figure-value">54.9%' in html
    assert '<td class="num" data-col="premium_written">¥3,955.00</td>' in html
    assert 'data-competitor="平安"' in html


def test_a_bad_date_falls_back_to_today_with_a_notice(client, book):
    client.force_login(book["leader"])
    response = client.get(reverse("renewals:supervise"), {"date": "2026-13-40", "by": "nope"})
    assert response.status_code == 200
    assert response.context["period"] == MAY
    assert response.context["dimension"] == Dimension.SEAT
    assert "YYYY-MM-DD" in response.context["notice"]


def test_the_excel_export_has_the_same_figures_and_is_audited(client, book):
    client.force_login(book["manager"])
    response = client.get(
        reverse("renewals:supervise_export"), {"period": "month", "date": "2026-05-20"}
    )
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="renewal-supervision-seat-month-20260501.xlsx"'
    )
    book_xlsx = load_workbook(BytesIO(response.content))
    assert book_xlsx.sheetnames == [
        "说明 About",
        "考核 Figures",
        "结局 Endings",
        "流失原因 Lost",
        "竞争对手 Competitors",
        "合规拦截 Blocked",
    ]
    figures = list(book_xlsx["考核 Figures"].iter_rows(values_only=True))
    heading = figures[0]
    s1 = dict(zip(heading, figures[1], strict=True))
    assert s1["按坐席 / By seat"] == "坐席一"
    assert s1["到期续保数 / Due"] == 2
    assert s1["续保新单保费 / Premium written"] == 3955
    assert s1["保费同比留存 / Premium retained vs last year"] == pytest.approx(0.675)
    assert figures[-1][0] == "合计 / Total"
    competitors = list(book_xlsx["竞争对手 Competitors"].iter_rows(values_only=True))
    assert competitors[1][:2] == ("平安", 1)
    assert competitors[1][5] == -300
    assert AuditLog.objects.filter(summary__startswith="exported renewal supervision").count() == 1


# ----------------------------------------------------------------------------- cost


def _grow(book, extra: int) -> None:
    """More renewals, contacts, quotes and blocks for more seats, teams and cities."""
    for n in range(extra):
        team = TeamFactory()
        seat = UserFactory(role=Role.SEAT, team=team, display_name=f"加{n}")
        customer = CustomerFactory(owner=seat, city=f"城{n}")
        t = task(
            expiring(5 + n, customer=customer),
            seat,
            status=Status.LOST,
            premium="1000.00",
            lost_reason="service",
            competitor=f"对手{n}",
        )
        contact(t, seat, at(AS_OF, 9, n % 50), connected=True, outcome="lost", recording_ref="r")
        ComplianceBlock.objects.create(
            task=t, customer=customer, by=seat, at=at(AS_OF, 9), rule="do_not_call", message="x"
        )


@pytest.mark.parametrize("by", list(Dimension))
def test_the_dashboard_costs_a_fixed_number_of_queries(
    client, book, by, django_assert_max_num_queries
):
    client.force_login(book["manager"])
    url = reverse("renewals:supervise")
    params = {"period": "month", "date": "2026-05-01", "by": by}
    with CaptureQueriesContext(connection) as small:
        assert client.get(url, params).status_code == 200
    _grow(book, 12)
    with django_assert_max_num_queries(10):
        response = client.get(url, params)
    assert response.status_code == 200
    # 12 more seats, teams and cities; the 12 direct-channel renewals join "direct".
    assert len(response.context["board"].rows) == (2 if by == Dimension.CHANNEL else 14)
    with CaptureQueriesContext(connection) as large:
        client.get(url, params)
    assert len(large) == len(small) == 10  # session, user and eight aggregates


def test_the_loss_view_costs_a_fixed_number_of_queries(client, book, django_assert_max_num_queries):
    client.force_login(book["leader"])
    _grow(book, 5)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("renewals:supervise_lost")).status_code == 200


def test_a_period_with_nothing_due_shows_dashes_and_still_today_s_overdue(client, book):
    client.force_login(book["manager"])
    response = client.get(reverse("renewals:supervise"), {"period": "day", "date": "2027-01-01"})
    html = response.content.decode()
    assert response.status_code == 200
    board = response.context["board"]
    # Overdue is counted as of today whatever the period; nothing else happened that day.
    assert [(r.label, r.due, r.calls, r.overdue) for r in board.rows] == [
        ("坐席一", 0, 0, 1),
        ("坐席二", 0, 0, 1),
    ]
    assert board.total.renewal_rate is None
    assert 'data-figure="renewal_rate"><div class="figure-value">—' in html
    assert '<td class="num" data-col="contact_rate">—</td>' in html


# ----------------------------------------------------------------------------- overdue list


def test_the_overdue_list_names_the_renewals_behind_the_figure_nearest_expiry_first(book):
    found = supervision.overdue_list(book["manager"], AS_OF)
    assert [(t.expiry_date, t.assignee.username, t.days_left) for t in found.tasks] == [
        (dt.date(2026, 5, 15), "s2", 14),
        (dt.date(2026, 6, 2), "s1", 32),
    ]
    s1 = supervision.overdue_list(book["manager"], AS_OF, dimension="seat", key=str(book["s1"].pk))
    assert ([t.assignee.username for t in s1.tasks], s1.label) == (["s1"], "坐席一")
    ningbo = supervision.overdue_list(book["manager"], AS_OF, dimension="branch", key="宁波")
    assert [t.customer.city for t in ningbo.tasks] == ["宁波"]
    assert (
        supervision.overdue_list(book["manager"], AS_OF, dimension="seat", key="none").tasks == []
    )
    # A team leader sees the team's only, whatever row is asked for.
    mine = supervision.overdue_list(book["leader"], AS_OF, dimension="seat", key=str(book["s2"].pk))
    assert mine.tasks == []
    assert [t.assignee.username for t in supervision.overdue_list(book["leader"], AS_OF).tasks] == [
        "s1"
    ]


def test_the_dashboard_links_each_overdue_figure_to_its_list(client, book):
    client.force_login(book["manager"])
    board = client.get(reverse("renewals:supervise"), {"date": "2026-05-01"}).content.decode()
    link = f"{reverse('renewals:supervise_overdue')}?by=seat&key={book['s1'].pk}"
    assert f'<a href="{link}">1</a>' in board
    response = client.get(
        reverse("renewals:supervise_overdue"), {"by": "seat", "key": book["s1"].pk}
    )
    assert response.status_code == 200
    assert response.content.decode().count('<tr data-task="') == 1


def test_the_overdue_list_is_one_page_in_a_fixed_number_of_queries(
    client, book, django_assert_max_num_queries
):
    client.force_login(book["manager"])
    _grow(book, 6)
    for n in range(3):  # more overdue renewals for s1
        task(
            expiring(20 + n, customer=CustomerFactory(owner=book["s1"])), book["s1"], premium="1.00"
        )
    with django_assert_max_num_queries(3):
        response = client.get(reverse("renewals:supervise_overdue"))
    assert response.status_code == 200
    assert response.content.decode().count('<tr data-task="') == 5
