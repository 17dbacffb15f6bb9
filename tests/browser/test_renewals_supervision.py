"""A renewal manager reads the supervision dashboard by seat and by team, draws the chart,
opens "why we lose customers" and exports the figures to Excel; a team leader sees only the
team; a seat who leads nothing is refused. Screenshot: docs/screenshots/."""

from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.playwright_fixtures import SHOTS
from tests.renewals.conftest import today  # noqa: F401 - fixture: clock frozen on 1 May 2026
from tests.renewals.supervision.conftest import book  # noqa: F401 - fixture: the hand-built May

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
MAY = "?period=month&date=2026-05-01"


def log_in(page, live_server, username, next_path):
    page.goto(live_server.url + next_path)
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-for-tests-1")
    page.get_by_role("button", name="登录 / Log in").click()
    page.wait_for_load_state()


def cell(page, row_label, column):
    row = page.locator("#supervise-table tbody tr", has_text=row_label)
    return row.locator(f'td[data-col="{column}"]')


def test_manager_reads_the_dashboard_and_exports_it(page, live_server, book):  # noqa: F811
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    log_in(page, live_server, "boss", "/renewals/supervise/" + MAY)
    expect(page.locator("h1")).to_have_text("续保考核督导 / Renewal supervision")
    expect(page.locator('[data-figure="due"] .figure-value')).to_have_text("4")
    expect(page.locator('[data-figure="premium_retained"] .figure-value')).to_have_text("54.9%")
    expect(cell(page, "坐席一", "renewal_rate")).to_have_text("50.0%")
    expect(cell(page, "坐席一", "premium_written")).to_have_text("¥3,955.00")
    expect(cell(page, "坐席二", "contact_rate")).to_have_text("0.0%")
    expect(cell(page, "坐席二", "blocked")).to_have_text("1")
    expect(page.locator('[data-competitor="平安"]').first).to_contain_text("¥-300.00 (-14.3%)")
    # The chart is drawn (SVG renderer), from the same figures as the table.
    expect(page.locator("#chart-supervise svg")).to_have_count(1)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "renewals-supervision.png"), full_page=True)

    page.select_option("select[name=by]", "team")
    page.get_by_role("button", name="查看 / Show").click()
    expect(cell(page, "电销二组", "due")).to_have_text("2")

    with page.expect_download() as download:
        page.locator("[data-export]").click()
    workbook = load_workbook(BytesIO(Path(download.value.path()).read_bytes()))
    figures = list(workbook["考核 Figures"].iter_rows(values_only=True))
    assert [row[0] for row in figures] == [
        "按团队 / By team",
        "电销一组",
        "电销二组",
        "合计 / Total",
    ]

    page.locator('[data-figure="overdue"] a').click()
    expect(page.locator("h1")).to_have_text("超时未触达 / Overdue renewals")
    expect(page.locator("#overdue-table tbody tr")).to_have_count(2)
    expect(page.locator("#overdue-table tbody tr").first).to_contain_text("2026-05-15")

    page.get_by_role("link", name="客户为何流失 / Why we lose customers").first.click()
    expect(page.locator("h1")).to_have_text("客户为何流失 / Why we lose customers")
    matrix = page.locator('#lost-matrix tr[data-reason="price"]')
    expect(matrix).to_contain_text("高价值·易流失 / High value, at risk")
    expect(matrix).to_contain_text("¥2,000.00")
    expect(page.locator('#competitors tr[data-competitor="平安"]')).to_contain_text("-14.3%")
    assert errors == []


def test_team_leader_sees_the_team_and_a_seat_is_refused(page, live_server, book):  # noqa: F811
    log_in(page, live_server, "lead_a", "/renewals/supervise/" + MAY)
    expect(page.locator("[data-scope]")).to_contain_text("电销一组")
    expect(page.locator("#supervise-table tbody tr")).to_have_count(1)
    expect(cell(page, "坐席一", "due")).to_have_text("2")
    page.context.clear_cookies()
    log_in(page, live_server, "s1", "/renewals/supervise/")
    response = page.goto(live_server.url + "/renewals/supervise/")
    assert response is not None and response.status == 403
