"""The clocks on the pages: the customer accepts the amount on the phone page or the handler
records how it was given (Art 23: the payment clock starts there); the dashboard flags a year
with no holiday schedule that a running clock reaches, never counting it silently."""

import datetime as dt

import pytest

from carecircle.claims.models import Claim
from carecircle.core.models import HolidayYear
from tests.claims.services.test_workflow import approved_claim
from tests.factories.claims import customer_user, staff

pytestmark = pytest.mark.django_db


def test_the_customer_accepts_on_the_phone_page_and_the_payment_clock_starts(client, today):
    claim = approved_claim(staff())
    assert (claim.due_clock, claim.due_on) == ("", None)
    client.force_login(customer_user(claim.policy))
    page = client.get(f"/claims/my/{claim.pk}/").content.decode()
    assert "接受赔付方案 / Accept the offer" in page
    assert client.post(f"/claims/my/{claim.pk}/", {"what": "accept"}).status_code == 302
    claim.refresh_from_db()
    assert (claim.offer_accepted_at, claim.offer_accepted_via) == (today, "phone_page")
    assert (claim.due_clock, claim.due_on) == ("payment", dt.date(2026, 3, 12))
    page = client.get(f"/claims/my/{claim.pk}/").content.decode()
    assert "客户手机确认" in page.split('id="accepted"')[1]
    # Accepting twice changes nothing.
    assert client.post(f"/claims/my/{claim.pk}/", {"what": "accept"}).status_code == 400


def test_the_handler_records_an_acceptance_only_with_how_it_was_given(client, today):
    people = staff()
    claim = approved_claim(people)
    client.force_login(people["handler"])
    page = client.get(f"/claims/{claim.pk}/").content.decode()
    form = page.split('data-action="accept_offer"')[1].split("</form>")[0]
    assert 'value="phone_call"' in form and 'value="in_writing"' in form
    assert 'value="phone_page"' not in form  # only the customer accepts on the phone page
    r = client.post(f"/claims/{claim.pk}/act/", {"action": "accept_offer"})
    assert r.status_code == 400 and "say how the customer accepted" in r.content.decode()
    r = client.post(f"/claims/{claim.pk}/act/", {"action": "accept_offer", "via": "phone_page"})
    assert r.status_code == 400
    assert Claim.objects.get(pk=claim.pk).offer_accepted_at is None
    r = client.post(f"/claims/{claim.pk}/act/", {"action": "accept_offer", "via": "in_writing"})
    assert r.status_code == 302
    page = client.get(f"/claims/{claim.pk}/").content.decode()
    assert "书面确认 / In writing" in page.split('id="offer-accepted"')[1]
    assert 'name="via"' not in page  # no second acceptance form


def test_the_dashboard_flags_a_year_with_no_schedule_a_running_clock_reaches(client, today):
    people = staff()
    client.force_login(people["manager"])
    claim = approved_claim(people)
    page = client.get("/claims/dashboard/").content.decode()
    assert 'id="calendar-missing"' not in page
    # A 30-day clock started on 20 Dec 2026 ends in 2027, whose schedule is not loaded.
    Claim.objects.filter(pk=claim.pk).update(due_on=dt.date(2027, 1, 19))
    page = client.get("/claims/dashboard/").content.decode()
    flag = page.split('id="calendar-missing"')[1].split("</div>")[0]
    assert "<strong>2027</strong>" in flag and "carecircle calendar load YEAR" in flag
    # This year's schedule missing is flagged too.
    HolidayYear.objects.filter(year=2026).delete()
    from carecircle.core import workdays

    workdays.invalidate()
    page = client.get("/claims/dashboard/").content.decode()
    assert "<strong>2026, 2027</strong>" in page


def test_the_work_calendar_page_shows_the_loaded_years_and_a_years_days_read_only(client, today):
    people = staff()
    assert client.get("/claims/calendar/").status_code == 302  # to the login
    client.force_login(people["handler"])
    assert client.get("/claims/calendar/").status_code == 403
    client.force_login(people["manager"])
    page = client.get("/claims/calendar/?year=2025").content.decode()
    years = page.split('id="years"')[1].split("</table>")[0]
    assert [y for y in (2026, 2025, 2024) if f'data-year="{y}"' in years] == [2026, 2025, 2024]
    assert "国务院办公厅关于2025年部分节假日安排的通知" in years
    days = page.split('id="days"')[1].split("</table>")[0]
    assert days.count('data-kind="off"') == 28 and days.count('data-kind="working"') == 5
    assert "2025-09-28 星期日</td><td>调休上班 / working day" in days
    assert 'method="post"' not in page.split("<h1>")[1]  # nothing to change here
