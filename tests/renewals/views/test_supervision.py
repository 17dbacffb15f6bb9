"""考核督导 pages: who may open them (refusals audited), the figures on the page, the Excel
export, the overdue list, and a fixed number of queries whatever the book's size."""

from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from carecircle.core.models import AuditLog
from carecircle.core.roles import Role
from carecircle.renewals.supervision.scope import Dimension
from tests.factories import CustomerFactory, UserFactory
from tests.renewals.conftest import expiring
from tests.renewals.supervision.book import MAY, build_book, grow, task

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(today):
    """The supervision book (tests/renewals/supervision/book.py)."""
    return build_book()


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


@pytest.mark.parametrize("by", list(Dimension))
def test_the_dashboard_costs_a_fixed_number_of_queries(
    client, book, by, django_assert_max_num_queries
):
    client.force_login(book["manager"])
    url = reverse("renewals:supervise")
    params = {"period": "month", "date": "2026-05-01", "by": by}
    with CaptureQueriesContext(connection) as small:
        assert client.get(url, params).status_code == 200
    grow(book, 12)
    with django_assert_max_num_queries(11):
        response = client.get(url, params)
    assert response.status_code == 200
    # 12 more seats, teams and cities; the 12 direct-channel renewals join "direct"; none of
    # the renewals has a unit, so "by unit" is one row.
    rows = {Dimension.CHANNEL: 2, Dimension.UNIT: 1}.get(by, 14)
    assert len(response.context["board"].rows) == rows
    with CaptureQueriesContext(connection) as large:
        client.get(url, params)
    # session, user, the user's units (the unit select) and eight aggregates
    assert len(large) == len(small) == 11


def test_the_loss_view_costs_a_fixed_number_of_queries(client, book, django_assert_max_num_queries):
    client.force_login(book["leader"])
    grow(book, 5)
    with django_assert_max_num_queries(9):  # 8, and the user's units for the unit select
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
    grow(book, 6)
    for n in range(3):  # more overdue renewals for s1
        task(
            expiring(20 + n, customer=CustomerFactory(owner=book["s1"])), book["s1"], premium="1.00"
        )
    with django_assert_max_num_queries(3):
        response = client.get(reverse("renewals:supervise_overdue"))
    assert response.status_code == 200
    assert response.content.decode().count('<tr data-task="') == 5
