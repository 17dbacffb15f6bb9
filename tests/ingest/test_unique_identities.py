"""The importer enforces the API's uniqueness rule (#21): a customer's phone, resident ID number
and USCC are unique across the whole book and within the file. A duplicate row is rejected with
a row-level error in the report and never loaded, in the row path and in the fast path alike."""

import base64

import pytest
from django.db import connection

from carecircle.core.validators import uscc_check_char
from carecircle.ingest import fast
from carecircle.ingest.canonical import import_paths
from carecircle.ingest.loader import load_frame
from carecircle.ingest.readers import read_csv
from carecircle.ingest.tables import SPECS
from carecircle.parties.models import Customer
from tests.factories import CustomerFactory, make_id_number
from tests.ingest.test_bad_input import write_csv

pytestmark = pytest.mark.django_db

HEADER = ["customer_no", "kind", "name", "id_number", "uscc", "phone", "city"]
USCC_A = "91330100MA2ABCDE0"
USCC_A += uscc_check_char(USCC_A)
USCC_B = "91330100MA2ABCDF0"
USCC_B += uscc_check_char(USCC_B)
ID_BOOK, ID_1, ID_2 = make_id_number(901), make_id_number(902), make_id_number(903)
PHONE_BOOK, PHONE_1, PHONE_2 = "13900009001", "13900009002", "13900009003"


@pytest.fixture
def in_book():
    """Already in the book: a person holding PHONE_BOOK and ID_BOOK, a company holding USCC_A."""
    person = CustomerFactory(customer_no="B1", name="库中人")
    person.set_phone(PHONE_BOOK)
    person.set_id_number(ID_BOOK)
    person.save()
    CustomerFactory(customer_no="B2", name="库中公司", kind="company", uscc=USCC_A)
    return person


def rows() -> list[list[str]]:
    return [
        ["N1", "person", "甲", ID_1, "", PHONE_1, "杭州"],  # line 2: new, loads
        ["N2", "person", "乙", ID_2, "", PHONE_1, "杭州"],  # line 3: phone of line 2
        ["N3", "person", "丙", ID_BOOK, "", PHONE_2, "杭州"],  # line 4: B1's ID number
        ["N4", "person", "丁", "", "", PHONE_BOOK, "杭州"],  # line 5: B1's phone
        ["N5", "company", "某公司", "", USCC_A, "", "宁波"],  # line 6: B2's USCC
        ["N6", "company", "另一公司", "", USCC_B, "", "宁波"],  # line 7: new, loads
        ["N7", "company", "重复公司", "", USCC_B, "", "宁波"],  # line 8: USCC of line 7
        ["B1", "person", "库中人", ID_BOOK, "", PHONE_BOOK, "杭州"],  # line 9: its own numbers
    ]


EXPECTED = [
    (3, "phone", "139****9002", "duplicate_phone"),
    (4, "id_number", "110105********" + ID_BOOK[-4:], "duplicate_id_number"),
    (5, "phone", "139****9001", "duplicate_phone"),
    (6, "uscc", USCC_A, "duplicate_uscc"),
    (8, "uscc", USCC_B, "duplicate_uscc"),
]


def report(result) -> list[tuple[int, str, str, str]]:
    return [(e.row, e.column, e.value, e.code) for t in result.tables for e in t.errors]


def test_a_duplicate_phone_id_or_uscc_in_the_file_or_the_book_is_rejected_row_by_row(
    tmp_path, in_book
):
    path = write_csv(tmp_path / "customers.csv", HEADER, rows())
    result = import_paths([path], progress=False)
    assert report(result) == EXPECTED
    counts = result.counts()["customers"]
    assert (counts["inserted"], counts["rejected"], counts["rows"]) == (2, 5, 8)
    assert sorted(Customer.objects.values_list("customer_no", flat=True)) == [
        "B1", "B2", "N1", "N6"
    ]  # fmt: skip
    # No number is held twice afterwards.
    for field in ("phone_hash", "id_number_hash", "uscc"):
        values = [v for v in Customer.objects.values_list(field, flat=True) if v]
        assert len(values) == len(set(values)), field
    messages = {e.row: e.message for t in result.tables for e in t.errors}
    assert messages[3] == (
        "与本文件第2行（客户号 N1）的手机号重复 / same phone as row 2 (customer no. N1) of this file"
    )
    assert (
        messages[5]
        == "已有客户（客户号 B1）使用该手机号 / another customer (B1) already has this phone"
    )
    text = (tmp_path / "customers.csv.errors.csv").read_text(encoding="utf-8-sig")
    assert "duplicate_phone" in text
    assert PHONE_1 not in text and PHONE_BOOK not in text and ID_BOOK not in text  # masked


def test_importing_the_same_file_again_rejects_the_same_rows_and_changes_nothing(tmp_path, in_book):
    path = write_csv(tmp_path / "customers.csv", HEADER, rows())
    import_paths([path], progress=False)
    again = import_paths([path], progress=False)
    assert report(again) == EXPECTED
    counts = again.counts()["customers"]
    assert (counts["inserted"], counts["updated"], counts["unchanged"]) == (0, 0, 3)


def test_a_row_rejected_for_its_own_reason_does_not_hold_its_number(tmp_path):
    """Only rows that pass their own checks claim a number: a company row that carries an ID
    number is refused for that, and the person row after it with the same number loads."""
    path = write_csv(
        tmp_path / "customers.csv",
        HEADER,
        [
            ["N1", "company", "有身份证的公司", ID_1, USCC_B, "", ""],
            ["N2", "person", "甲", ID_1, "", PHONE_1, ""],
        ],
    )
    result = import_paths([path], progress=False)
    assert [(e.row, e.code) for t in result.tables for e in t.errors] == [(2, "company_has_id")]
    assert list(Customer.objects.values_list("customer_no", flat=True)) == ["N2"]


def test_a_number_still_indexed_under_the_previous_key_is_found_during_a_rotation(
    tmp_path, settings
):
    old_key = base64.urlsafe_b64encode(b"o" * 32).decode()
    settings.FIELD_ENCRYPTION_KEY = old_key
    holder = CustomerFactory(customer_no="B1", name="旧钥匙")
    holder.set_phone(PHONE_BOOK)
    holder.save()
    settings.FIELD_ENCRYPTION_KEY = base64.urlsafe_b64encode(b"n" * 32).decode()
    settings.FIELD_ENCRYPTION_KEYS_PREVIOUS = [old_key]
    path = write_csv(
        tmp_path / "customers.csv", HEADER, [["N1", "person", "甲", "", "", PHONE_BOOK, ""]]
    )
    result = import_paths([path], progress=False)
    assert report(result) == [(2, "phone", "139****9001", "duplicate_phone")]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the fast path is PostgreSQL's")
@pytest.mark.parametrize("batch_size", [1, 3, 100])
def test_the_fast_path_rejects_the_same_duplicates_as_the_row_path(
    tmp_path, in_book, monkeypatch, batch_size
):
    path = write_csv(tmp_path / "customers.csv", HEADER, rows())
    frame = read_csv(path).frame
    spec = SPECS["customers"]
    assert fast.applies(spec)
    fast_result = load_frame(spec, frame, source="f", batch_size=batch_size)
    fast_rows = sorted(Customer.objects.values_list("customer_no", "phone_hash", "uscc"))
    Customer.objects.exclude(customer_no__in=["B1", "B2"]).delete()
    with monkeypatch.context() as m:
        m.setattr(fast, "applies", lambda spec: False)
        row_result = load_frame(spec, frame, source="f", batch_size=batch_size)
    row_rows = sorted(Customer.objects.values_list("customer_no", "phone_hash", "uscc"))
    assert fast_rows == row_rows
    assert fast_result.errors == row_result.errors
    assert [(e.row, e.column, e.value, e.code) for e in fast_result.errors] == EXPECTED
    assert (fast_result.inserted, fast_result.rejected) == (row_result.inserted, 5)
