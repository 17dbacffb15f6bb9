"""Core factories: users and API tokens, and valid Chinese identifiers for the party factories."""

from __future__ import annotations

import datetime as dt

import factory

from carecircle.core.calendar import WorkCalendar
from carecircle.core.models import (
    ApiToken,
    HolidayDay,
    HolidayYear,
    OrgUnit,
    UnitLevel,
    User,
    WorkerHeartbeat,
)
from carecircle.core.org import head_office
from carecircle.core.roles import STAFF_ROLES, Role
from carecircle.core.validators import id_number_check_char, vin_check_char

SH = dt.timezone(dt.timedelta(hours=8))  # Beijing time, the business clock's zone


def make_id_number(n: int) -> str:
    first17 = f"110105198{n % 10}0{1 + n % 9}1{n % 9}{n % 1000:03d}"[:17]
    return first17 + id_number_check_char(first17)


def make_vin(n: int) -> str:
    body = f"LSVAB4BR{n:09d}"[:17]
    vin = body[:8] + "0" + body[9:]
    return vin[:8] + vin_check_char(vin) + vin[9:]


def make_phone(n: int) -> str:
    return f"138{n:08d}"[:11]


class OrgUnitFactory(factory.django.DjangoModelFactory):
    """A sub-branch under head office unless ``parent``/``level`` say otherwise."""

    class Meta:
        model = OrgUnit
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"9{n:07d}")
    name = factory.LazyAttribute(lambda u: f"测试机构{u.code}")
    level = UnitLevel.SUB_BRANCH
    parent = factory.LazyFunction(head_office)


class UserFactory(factory.django.DjangoModelFactory):
    """Staff are placed at head office (the whole book) unless a ``unit`` is given."""

    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.SEAT
    password = factory.django.Password("pw-for-tests-1")
    unit = factory.LazyAttribute(lambda u: head_office() if u.role in STAFF_ROLES else None)


class ApiTokenFactory(factory.django.DjangoModelFactory):
    """A token issued the way systems get one (``ApiToken.issue``); ``.raw`` is the bearer."""

    class Meta:
        model = ApiToken

    user = factory.SubFactory(UserFactory)
    name = "tests"

    @classmethod
    def _create(cls, model_class, user, name, **kwargs):
        token, raw = model_class.issue(user, name)
        token.raw = raw
        return token


# ---- the work calendar ----------------------------------------------------------------------


def _span(first: str, last: str) -> list[dt.date]:
    a, b = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    return [a + dt.timedelta(days=i) for i in range((b - a).days + 1)]


# The fixture table the clock tests count on (the State Council's 2025 and 2026 schedules,
# written out here so a test never depends on the shipped data files or the loaded rows).
FIXTURE_OFF: dict[dt.date, str] = {
    **dict.fromkeys(_span("2025-01-01", "2025-01-01"), "元旦"),
    **dict.fromkeys(_span("2025-01-28", "2025-02-04"), "春节"),
    **dict.fromkeys(_span("2025-04-04", "2025-04-06"), "清明节"),
    **dict.fromkeys(_span("2025-05-01", "2025-05-05"), "劳动节"),
    **dict.fromkeys(_span("2025-05-31", "2025-06-02"), "端午节"),
    **dict.fromkeys(_span("2025-10-01", "2025-10-08"), "国庆节、中秋节"),
    **dict.fromkeys(_span("2026-01-01", "2026-01-03"), "元旦"),
    **dict.fromkeys(_span("2026-02-15", "2026-02-23"), "春节"),
    **dict.fromkeys(_span("2026-04-04", "2026-04-06"), "清明节"),
    **dict.fromkeys(_span("2026-05-01", "2026-05-05"), "劳动节"),
    **dict.fromkeys(_span("2026-06-19", "2026-06-21"), "端午节"),
    **dict.fromkeys(_span("2026-09-25", "2026-09-27"), "中秋节"),
    **dict.fromkeys(_span("2026-10-01", "2026-10-07"), "国庆节"),
}
FIXTURE_WORKING: list[dt.date] = [
    dt.date.fromisoformat(d)
    for d in (
        "2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11",
        "2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10",
    )
]  # fmt: skip


def fixture_calendar() -> WorkCalendar:
    """2025 and 2026 as published; every other year weekends only (and not covered)."""
    return WorkCalendar(FIXTURE_OFF, FIXTURE_WORKING, years=(2025, 2026))


class HolidayYearFactory(factory.django.DjangoModelFactory):
    """A loaded schedule; years far ahead so they never meet the shipped ones the migration
    loads."""

    class Meta:
        model = HolidayYear
        django_get_or_create = ("year",)

    year = factory.Sequence(lambda n: 2070 + n)
    source = factory.LazyAttribute(lambda o: f"国务院办公厅关于{o.year}年部分节假日安排的通知")
    loaded_at = factory.LazyFunction(lambda: dt.datetime(2026, 11, 5, 9, tzinfo=SH))
    loaded_by = "tests"


class HolidayDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HolidayDay

    schedule = factory.SubFactory(HolidayYearFactory)
    date = factory.LazyAttributeSequence(lambda o, n: dt.date(o.schedule.year, 1, 1 + n % 28))
    kind = HolidayDay.Kind.OFF
    name = "元旦"


class WorkerHeartbeatFactory(factory.django.DjangoModelFactory):
    """A task worker's lease, seen just now (core.jobs)."""

    class Meta:
        model = WorkerHeartbeat

    worker_id = factory.Sequence(lambda n: f"worker-{n}")
    pid = factory.Sequence(lambda n: 10_000 + n)
    host = "test-host"
    seen_at = factory.LazyFunction(lambda: dt.datetime.now(dt.UTC))
