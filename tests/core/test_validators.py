"""Identifier rules from docs/domain.md (GB 11643, GB 32100, GB 16735, GA 36-2018)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from carecircle.core.validators import (
    birth_date_from_id,
    check_id_number,
    check_mobile,
    check_plate,
    check_uscc,
    check_vin,
    gender_from_id,
    id_number_check_char,
    uscc_check_char,
    vin_check_char,
)


@pytest.mark.parametrize(
    "value", ["11010519491231002X", "440524188001010014", "11010519491231002x"]
)
def test_published_resident_id_examples_are_valid(value):
    assert check_id_number(value) == value.upper()


def test_resident_id_with_wrong_check_character_is_refused_with_checksum_code():
    with pytest.raises(ValidationError) as err:
        check_id_number("110105194912310021")
    assert err.value.code == "id_checksum"
    assert "校验位" in str(err.value.message) and "check character" in str(err.value.message)


def test_resident_id_with_impossible_birth_date_is_refused_even_if_checksum_matches():
    first17 = "11010519490230002"  # 30 February
    with pytest.raises(ValidationError) as err:
        check_id_number(first17 + id_number_check_char(first17))
    assert err.value.code == "id_birth_date"


def test_resident_id_born_in_the_future_is_refused():
    first17 = "11010520990101002"
    with pytest.raises(ValidationError) as err:
        check_id_number(first17 + id_number_check_char(first17), today=dt.date(2026, 11, 22))
    assert err.value.code == "id_birth_date"


@pytest.mark.parametrize(
    "value", ["", "1101051949123100", "11010519491231002Y", "A1010519491231002X"]
)
def test_resident_id_of_wrong_shape_is_refused_with_format_code(value):
    with pytest.raises(ValidationError) as err:
        check_id_number(value)
    assert err.value.code == "id_format"


@given(
    region=st.integers(110000, 659999),
    birth=st.dates(dt.date(1920, 1, 1), dt.date(2008, 12, 31)),
    seq=st.integers(0, 999),
)
def test_any_id_built_with_the_gb11643_check_character_validates(region, birth, seq):
    first17 = f"{region:06d}{birth:%Y%m%d}{seq:03d}"
    value = first17 + id_number_check_char(first17)
    assert check_id_number(value) == value
    assert birth_date_from_id(value) == birth
    assert gender_from_id(value) == ("M" if seq % 2 else "F")


@given(
    region=st.integers(110000, 659999),
    birth=st.dates(dt.date(1920, 1, 1), dt.date(2008, 12, 31)),
    seq=st.integers(0, 999),
    pos=st.integers(0, 16),
    delta=st.integers(1, 9),
)
def test_changing_any_single_id_digit_breaks_the_checksum_or_the_date(
    region, birth, seq, pos, delta
):
    first17 = f"{region:06d}{birth:%Y%m%d}{seq:03d}"
    good = first17 + id_number_check_char(first17)
    bad = good[:pos] + str((int(good[pos]) + delta) % 10) + good[pos + 1 :]
    with pytest.raises(ValidationError):
        check_id_number(bad)


@pytest.mark.parametrize("value", ["91350100M000100Y43", "91512081MA62K0260E"])
def test_published_uscc_examples_are_valid(value):
    assert check_uscc(value) == value


def test_uscc_with_wrong_check_character_is_refused():
    with pytest.raises(ValidationError) as err:
        check_uscc("91350100M000100Y44")
    assert err.value.code == "uscc_checksum"


@pytest.mark.parametrize("value", ["91350100M000100I43", "9135010", "91350100M000100Z43"])
def test_uscc_with_forbidden_letters_or_length_is_refused(value):
    with pytest.raises(ValidationError) as err:
        check_uscc(value)
    assert err.value.code == "uscc_format"


@given(st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=17, max_size=17))
def test_any_uscc_built_with_the_gb32100_check_character_validates(body):
    assert check_uscc(body + uscc_check_char(body)) == body + uscc_check_char(body)


@pytest.mark.parametrize("value", ["LATPAB071W1005301", "1M8GDM9AXKP042788", "latpab071w1005301"])
def test_published_vin_examples_are_valid(value):
    assert check_vin(value) == value.upper()


def test_vin_with_wrong_check_digit_is_refused():
    with pytest.raises(ValidationError) as err:
        check_vin("LATPAB072W1005301")
    assert err.value.code == "vin_checksum"


@pytest.mark.parametrize("value", ["LATPAB071W100530", "LATPAB071W10053O1", "IATPAB071W1005301"])
def test_vin_of_wrong_length_or_with_i_o_q_is_refused(value):
    with pytest.raises(ValidationError) as err:
        check_vin(value)
    assert err.value.code == "vin_format"


@given(st.text(alphabet="0123456789ABCDEFGHJKLMNPRSTUVWXYZ", min_size=17, max_size=17))
def test_any_vin_with_its_computed_check_digit_validates(raw):
    vin = raw[:8] + "0" + raw[9:]
    vin = vin[:8] + vin_check_char(vin) + vin[9:]
    assert check_vin(vin) == vin


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("京A12345", "京A12345"),
        ("沪B·9X8Y7", "沪B9X8Y7"),
        ("粤BD12345", "粤BD12345"),
        ("浙AF1234", "浙AF1234"),
        ("粤B12345D", "粤B12345D"),
        ("苏E 5F3K9", "苏E5F3K9"),
        ("沪AD5A123", None),
    ],
)
def test_ordinary_and_new_energy_plates_are_accepted(value, expected):
    if expected is None:
        # Small new-energy: after D/F one letter-or-digit then four digits, so "5A123" is wrong.
        with pytest.raises(ValidationError):
            check_plate(value)
    else:
        assert check_plate(value) == expected


@pytest.mark.parametrize(
    "value", ["京A1234", "京AI2345", "X京12345", "京A123456", "京A1234O", "A12345"]
)
def test_malformed_plates_are_refused(value):
    with pytest.raises(ValidationError) as err:
        check_plate(value)
    assert err.value.code == "plate_format"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("13800138000", "13800138000"),
        ("+86 138-0013-8000", "13800138000"),
        ("008619912345678", "19912345678"),
    ],
)
def test_mobile_numbers_are_normalised(value, expected):
    assert check_mobile(value) == expected


@pytest.mark.parametrize("value", ["12800138000", "1380013800", "138001380001", "phone"])
def test_malformed_mobile_numbers_are_refused(value):
    with pytest.raises(ValidationError) as err:
        check_mobile(value)
    assert err.value.code == "mobile_format"
