"""The one bulk writer and reader (core/bulk.py), on whichever database the suite runs: rows
land exactly as given (text with commas, quotes, newlines and backslashes; Decimal money;
dates; aware datetimes), from model instances, dicts or a Polars frame; the conflict policies
(do nothing, update, report); the staging round trip; nothing half-written after a failure."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from django.db import connection, models, transaction
from django.test.utils import isolate_apps
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carecircle.core import bulk
from carecircle.core.money import MoneyField

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = dt.UTC

with isolate_apps("carecircle.core"):

    class Sample(models.Model):
        """A table of every kind of value the writers move (created by the fixture)."""

        code = models.CharField(max_length=300, unique=True)
        note = models.TextField(blank=True, default="")
        amount = MoneyField(default=Decimal("0.00"))
        day = models.DateField(null=True)
        at = models.DateTimeField(null=True)
        flag = models.BooleanField(default=False)
        count = models.IntegerField(null=True)
        created_at = models.DateTimeField(auto_now_add=True)

        class Meta:
            app_label = "core"
            db_table = "core_bulk_test_sample"

        def __str__(self) -> str:
            return self.code


@pytest.fixture
def sample(db):
    """The table exists for one test (created inside the test's transaction)."""
    editor = connection.SchemaEditorClass(connection, collect_sql=True)
    sql, params = editor.table_sql(Sample)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {Sample._meta.db_table}")
        cursor.execute(sql, params)
    return Sample


def stored(*fields: str) -> list[tuple]:
    return list(Sample.objects.order_by("code").values_list("code", *fields))


MOMENT = dt.datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=SHANGHAI)
ROWS = [
    {
        "code": "A1",
        "note": 'comma, "quote"\nnew line \\ back',
        "amount": Decimal("1234567890.05"),
        "day": dt.date(2026, 2, 28),
        "at": MOMENT,
        "flag": True,
        "count": 7,
    },
    {
        "code": "B2",
        "note": "",
        "amount": Decimal("-0.01"),
        "day": None,
        "at": dt.datetime(2026, 3, 1, 0, 0, tzinfo=UTC),
        "flag": False,
        "count": None,
    },
]
EXPECTED = [
    ("A1", 'comma, "quote"\nnew line \\ back', Decimal("1234567890.05"), dt.date(2026, 2, 28),
     MOMENT, True, 7),
    ("B2", "", Decimal("-0.01"), None, dt.datetime(2026, 3, 1, tzinfo=UTC), False, None),
]  # fmt: skip
FIELDS = ("note", "amount", "day", "at", "flag", "count")


def frame_of(rows: list[dict]) -> pl.DataFrame:
    """A frame is written as it is: it brings every column the table needs."""
    stamp = dt.datetime(2026, 1, 1, tzinfo=UTC)
    return pl.DataFrame(
        [dict(r, created_at=stamp) for r in rows],
        schema={
            "code": pl.String,
            "note": pl.String,
            "amount": pl.Decimal(14, 2),
            "day": pl.Date,
            "at": pl.Datetime("us", "Asia/Shanghai"),
            "flag": pl.Boolean,
            "count": pl.Int64,
            "created_at": pl.Datetime("us", "UTC"),
        },
    )


@pytest.mark.parametrize("shape", ["instances", "dicts", "frame"])
def test_rows_land_exactly_from_instances_dicts_and_a_frame(sample, shape):
    rows = {
        "instances": [Sample(**r) for r in ROWS],
        "dicts": ROWS,
        "frame": frame_of(ROWS),
    }[shape]
    before = dt.datetime.now(UTC)
    assert bulk.insert_rows(Sample, rows) == 2
    assert stored(*FIELDS) == EXPECTED
    if shape != "frame":  # auto_now_add is stamped for model rows
        assert all(c >= before for c in Sample.objects.values_list("created_at", flat=True))


def test_a_frame_can_go_to_a_bare_table_by_name_and_a_dict_gets_field_defaults(sample):
    table = Sample._meta.db_table
    frame = pl.DataFrame(
        {
            "code": ["T1"],
            "note": ["x"],
            "amount": ["12.30"],
            "flag": [True],
            "created_at": [dt.datetime(2026, 1, 1, tzinfo=UTC)],
        }
    )
    assert bulk.insert_rows(table, frame) == 1
    assert bulk.insert_rows(Sample, [{"code": "T2"}]) == 1
    assert stored("note", "amount", "flag", "day") == [
        ("T1", "x", Decimal("12.30"), True, None),
        ("T2", "", Decimal("0.00"), False, None),
    ]


@pytest.mark.parametrize("shape", ["dicts", "frame"])
def test_an_empty_input_writes_nothing(sample, shape):
    rows = frame_of([]) if shape == "frame" else []
    assert bulk.insert_rows(Sample, rows) == 0
    assert bulk.insert_rows(Sample, rows, conflict=bulk.OnConflict.do_nothing()) == 0
    assert bulk.insert_new(Sample, rows, ["code"]) == bulk.Written(0, [])
    assert not Sample.objects.exists()


@pytest.mark.parametrize("shape", ["dicts", "frame"])
def test_do_nothing_keeps_the_stored_row_and_counts_only_new_ones(sample, shape):
    bulk.insert_rows(Sample, [{"code": "A1", "note": "first"}])
    again = [dict(ROWS[0], note="second"), ROWS[1]]
    rows = frame_of(again) if shape == "frame" else again
    written = bulk.insert_rows(Sample, rows, conflict=bulk.OnConflict.do_nothing("code"))
    assert written == 1
    assert stored("note") == [("A1", "first"), ("B2", "")]
    # without a key: any unique constraint
    assert bulk.insert_rows(Sample, rows, conflict=bulk.OnConflict.do_nothing()) == 0


@pytest.mark.parametrize("shape", ["dicts", "frame"])
def test_update_overwrites_only_the_given_fields(sample, shape):
    bulk.insert_rows(Sample, [{"code": "A1", "note": "old", "count": 1}])
    rows = frame_of(ROWS) if shape == "frame" else ROWS
    policy = bulk.OnConflict.update(["code"], ["note", "amount"])
    assert bulk.insert_rows(Sample, rows, conflict=policy) == 2  # one updated, one inserted
    assert stored("note", "amount", "count") == [
        ("A1", ROWS[0]["note"], Decimal("1234567890.05"), 1),  # count kept
        ("B2", "", Decimal("-0.01"), None),
    ]


def test_update_refuses_a_key_repeated_in_the_rows(sample):
    policy = bulk.OnConflict.update(["code"], ["note"])
    with pytest.raises(ValueError, match="repeated"):
        bulk.insert_rows(Sample, [{"code": "A1"}, {"code": "A1"}], conflict=policy)
    with pytest.raises(ValueError, match="repeated"):
        bulk.insert_rows(Sample, frame_of([ROWS[0], ROWS[0]]), conflict=policy)
    assert not Sample.objects.exists()


@pytest.mark.parametrize("shape", ["instances", "dicts", "frame"])
def test_report_names_the_keys_already_stored_or_repeated(sample, shape):
    bulk.insert_rows(Sample, [{"code": "A1", "note": "first"}])
    again = [ROWS[0], ROWS[1], dict(ROWS[1], note="repeat"), dict(ROWS[0], code="C3")]
    rows = {
        "instances": [Sample(**r) for r in again],
        "dicts": again,
        "frame": frame_of(again),
    }[shape]
    written = bulk.insert_new(Sample, rows, ["code"])
    assert written == bulk.Written(2, [("A1",), ("B2",)])
    assert stored("note") == [("A1", "first"), ("B2", ""), ("C3", ROWS[0]["note"])]


@pytest.mark.parametrize("shape", ["instances", "frame"])
def test_a_staged_insert_gives_the_same_rows_as_a_direct_one(sample, shape):
    rows = [Sample(**r) for r in ROWS] if shape == "instances" else frame_of(ROWS)
    assert bulk.insert_rows(Sample, rows, staging=True) == 2
    assert stored(*FIELDS) == EXPECTED
    # the staging table is gone: a second staged write makes it again
    more = [Sample(**dict(r, code=r["code"] + "x")) for r in ROWS]
    assert bulk.insert_rows(Sample, more, staging=True) == 2
    assert Sample.objects.count() == 4


def test_a_failure_inside_an_atomic_block_leaves_nothing_half_written(sample):
    rows = [{"code": f"K{i}", "count": i} for i in range(10)]
    rows.append({"code": None})  # the database refuses it: the code is required
    with pytest.raises(Exception), transaction.atomic():  # noqa: B017 (each backend's error)
        bulk.insert_rows(Sample, frame_of(ROWS))
        bulk.insert_rows(Sample, rows)
    assert not Sample.objects.exists()
    with pytest.raises(Exception), transaction.atomic():  # noqa: B017
        bulk.insert_rows(Sample, [{"code": "ok"}])
        bulk.insert_rows(Sample, [{"code": "ok"}], staging=True)  # unique key violated
    assert not Sample.objects.exists()


def test_progress_counts_the_rows_sent(sample):
    seen: list[int] = []
    rows = frame_of([dict(ROWS[1], code=f"P{i}") for i in range(5)])
    bulk.insert_rows(Sample, rows, batch_size=2, progress=seen.append)
    assert seen == [2, 4, 5]


def test_update_rows_writes_the_given_fields_by_primary_key(sample):
    bulk.insert_rows(Sample, ROWS)
    pks = dict(Sample.objects.values_list("code", "pk"))
    sent = bulk.update_rows(
        Sample, ["amount", "at"], [(pks["A1"], Decimal("5.50"), None), (pks["B2"], "7", MOMENT)]
    )
    assert sent == 2
    assert stored("amount", "at", "note") == [
        ("A1", Decimal("5.50"), None, ROWS[0]["note"]),
        ("B2", Decimal("7.00"), MOMENT, ""),
    ]


def test_read_frame_types_every_column_the_same_on_both_databases(sample):
    bulk.insert_rows(Sample, ROWS)
    frame = bulk.read_frame(
        [("s.code", "code"), ("s.amount", "amount"), ("s.day", "day"), ("s.at", "at"),
         ("s.flag", "flag"), ("s.count", "count"), ("s.note", "note")],
        f"{Sample._meta.db_table} s ORDER BY s.code",
        {"code": pl.String, "amount": pl.Decimal(14, 2), "day": pl.Date,
         "at": pl.Datetime("us", "Asia/Shanghai"), "flag": pl.Boolean, "count": pl.Int64,
         "note": pl.String},
        postgres_settings={"jit": "off"},
    )  # fmt: skip
    assert frame.rows() == [
        ("A1", Decimal("1234567890.05"), dt.date(2026, 2, 28), MOMENT, True, 7, ROWS[0]["note"]),
        ("B2", Decimal("-0.01"), None, dt.datetime(2026, 3, 1, 8, tzinfo=SHANGHAI), False, None,
         ""),
    ]  # fmt: skip
    one = bulk.read_frame(
        [("s.code", "code")], f"{Sample._meta.db_table} s WHERE s.amount < %s", {"code": pl.String},
        [Decimal("0")],
    )  # fmt: skip
    assert one["code"].to_list() == ["B2"]
    empty = bulk.read_frame([("s.code", "code")], f"{Sample._meta.db_table} s WHERE 1 = 0",
                            {"code": pl.String})  # fmt: skip
    assert empty.height == 0 and empty.schema == {"code": pl.String}


# NUL is the one character PostgreSQL text cannot hold; surrogates are not text.
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"))


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(notes=st.lists(TEXT, min_size=1, max_size=5), staged=st.booleans())
def test_any_text_survives_the_copy_exactly(sample, notes, staged):
    Sample.objects.all().delete()
    frame = frame_of([dict(ROWS[1], code=f"H{i}", note=n) for i, n in enumerate(notes)])
    bulk.insert_rows(Sample, frame, staging=staged)
    assert [n for _, n in stored("note")] == notes
    bulk.insert_rows(Sample, [{"code": f"I{i}", "note": n} for i, n in enumerate(notes)])
    read = bulk.read_frame(
        [("s.note", "note")],
        f"{Sample._meta.db_table} s WHERE s.code LIKE 'I%' ORDER BY s.code",
        {"note": pl.String},
    )
    assert read["note"].to_list() == notes


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    cents=st.integers(-(10**14) + 1, 10**14 - 1),
    moment=st.datetimes(
        min_value=dt.datetime(1970, 1, 2), max_value=dt.datetime(2100, 1, 1),
        timezones=st.sampled_from([SHANGHAI, UTC, ZoneInfo("America/New_York")]),
        allow_imaginary=False,
    ),
)  # fmt: skip
def test_money_and_moments_survive_exactly(sample, cents, moment):
    Sample.objects.all().delete()
    amount = Decimal(cents).scaleb(-2)
    row = {"code": "M", "amount": amount, "at": moment, "day": moment.date()}
    bulk.insert_rows(Sample, frame_of([dict(ROWS[1], **row)]))
    bulk.insert_rows(Sample, [dict(row, code="N")])
    got = Sample.objects.order_by("code").values_list("amount", "at", "day")
    # Compared as instants: a time in a DST fold never equals one in another zone (PEP 495).
    instant = moment.astimezone(UTC)
    assert [(a, t.astimezone(UTC), d) for a, t, d in got] == [(amount, instant, moment.date())] * 2
