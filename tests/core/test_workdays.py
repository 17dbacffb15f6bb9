"""The yearly schedule is data: the shipped State Council notices parse, a year loads with a
command (idempotent; a bad file is a clear error), and the clocks' calendar is built from the
loaded rows and rebuilt when a year is loaded."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from carecircle.core import holidays, workdays
from carecircle.core.errors import DomainError
from carecircle.core.models import HolidayDay, HolidayYear
from tests.factories.core import FIXTURE_OFF, FIXTURE_WORKING

D = dt.date


@pytest.fixture(autouse=True)
def fresh_calendar():
    workdays.invalidate()
    yield
    workdays.invalidate()


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_each_shipped_file_names_its_notice_and_lists_weekend_working_days(year):
    s = holidays.read(holidays.shipped()[year])
    assert s.year == year
    assert s.source.startswith(f"国务院办公厅关于{year}年部分节假日安排的通知")
    assert s.url.startswith("https://")
    assert all(d.weekday() >= 5 for d in s.working)


def test_the_shipped_2025_and_2026_files_match_the_fixture_table():
    shipped = {**holidays.read(holidays.shipped()[2025]).off}
    shipped |= holidays.read(holidays.shipped()[2026]).off
    assert set(shipped) == set(FIXTURE_OFF)
    working = set(holidays.read(holidays.shipped()[2025]).working)
    working |= set(holidays.read(holidays.shipped()[2026]).working)
    assert working == set(FIXTURE_WORKING)


def test_the_2024_schedule_as_published():
    s = holidays.read(holidays.shipped()[2024])
    assert len(s.off) == 1 + 8 + 3 + 5 + 1 + 3 + 7
    assert sorted(s.working) == [
        D(2024, 2, 4), D(2024, 2, 18), D(2024, 4, 7), D(2024, 4, 28), D(2024, 5, 11),
        D(2024, 9, 14), D(2024, 9, 29), D(2024, 10, 12),
    ]  # fmt: skip


@pytest.mark.django_db
def test_the_migration_loads_the_shipped_years_and_the_calendar_is_built_from_the_rows():
    assert list(HolidayYear.objects.values_list("year", flat=True)) == [2024, 2025, 2026]
    cal = workdays.work_calendar()
    assert cal.covers(2026) and not cal.covers(2027)
    assert cal.is_day_off(D(2026, 2, 16)) and not cal.is_day_off(D(2026, 2, 14))


@pytest.mark.django_db
def test_loading_a_year_twice_changes_nothing_the_second_time():
    HolidayYear.objects.filter(year=2025).delete()
    first = workdays.load_year(2025, loaded_by="admin")
    stamp = HolidayYear.objects.get(year=2025).loaded_at
    again = workdays.load_year(2025, loaded_by="admin")
    assert (first.changed, again.changed) == (True, False)
    assert (first.off, first.working) == (28, 5)  # 1 + 8 + 3 + 5 + 3 + 8 days off
    assert HolidayYear.objects.get(year=2025).loaded_at == stamp
    assert HolidayDay.objects.filter(schedule__year=2025).count() == 33


@pytest.mark.django_db
def test_loading_a_year_rebuilds_the_calendar_the_clocks_use(tmp_path):
    assert not workdays.work_calendar().covers(2027)
    f = tmp_path / "2027.toml"
    f.write_text(
        'year = 2027\nsource = "国务院办公厅关于2027年部分节假日安排的通知"\n'
        'holidays = [{ name = "元旦", from = 2027-01-01, to = 2027-01-03 }]\n'
        'workdays = [{ name = "元旦调休", date = 2027-01-09 }]\n',
        encoding="utf-8",
    )
    out = StringIO()
    call_command("calendar", "load", "2027", "--file", str(f), stdout=out)
    assert "2027: loaded (3 days off, 1 调休 working days)" in out.getvalue()
    cal = workdays.work_calendar()
    assert cal.covers(2027) and not cal.is_day_off(D(2027, 1, 9))
    assert HolidayYear.objects.get(year=2027).loaded_by.startswith("command")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("year = 2027\n", "'source'"),
        ('year = 2027\nsource = "x"\nholidays = [{ from = 2027-01-05, to = 2027-01-01 }]\n',
         "not a plausible break"),
        ('year = 2027\nsource = "x"\nholidays = [{ from = 2028-01-01 }]\n', "is not in 2027"),
        ('year = 2027\nsource = "x"\nholidays = [{ from = 2027-01-01 }]\n'
         'workdays = [{ date = 2027-01-05 }]\n', "is not a weekend"),
        ("year = [\n", "bad holiday file"),
    ],
)  # fmt: skip
def test_a_bad_file_is_a_clear_error_and_loads_nothing(tmp_path, text, why):
    f = tmp_path / "2027.toml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError, match=why):
        call_command("calendar", "load", "2027", "--file", str(f), stdout=StringIO())
    assert not HolidayYear.objects.filter(year=2027).exists()


@pytest.mark.django_db
def test_a_year_with_nothing_shipped_needs_a_file_and_a_file_for_another_year_is_refused():
    with pytest.raises(DomainError, match="no schedule shipped for 2031"):
        workdays.load_year(2031)
    with pytest.raises(DomainError, match="the file is the 2025 schedule, not 2026"):
        workdays.load_year(2026, holidays.shipped()[2025])


@pytest.mark.django_db
def test_the_list_shows_loaded_years(capsys):
    call_command("calendar", "list")
    out = capsys.readouterr().out
    assert "2026  loaded" in out and "国务院办公厅关于2026年部分节假日安排的通知" in out
