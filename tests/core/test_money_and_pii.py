"""Money is Decimal yuan; personal data is encrypted, blind-indexed and masked."""

from decimal import Decimal, InvalidOperation

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carecircle.core import pii
from carecircle.core.errors import DomainError
from carecircle.core.money import ZERO, format_yuan, parse_money, to_money


def test_money_from_float_keeps_the_decimal_the_analyst_meant():
    assert to_money(0.1) == Decimal("0.10")
    assert to_money(2759.995) == Decimal("2760.00")  # half up, not banker's rounding


def test_money_from_text_with_thousands_separators():
    assert to_money("1,234.5") == Decimal("1234.50")


@pytest.mark.parametrize("bad", ["abc", "NaN", "Infinity", "1e30", 10**40])
def test_money_refuses_non_amounts(bad):
    """Too many digits to carry cents is not an amount either (a ValueError callers catch,
    not decimal's InvalidOperation leaking out of an importer's row check)."""
    with pytest.raises(ValueError):
        to_money(bad)


AMOUNTS = st.decimals(min_value=0, max_value=Decimal("999999999999.99"), places=2)


@given(AMOUNTS)
def test_any_amount_a_person_types_is_read_back_to_the_cent(amount):
    for text in (str(amount), f"{amount:,.2f}", f" {amount:f} "):
        assert parse_money("premium", text) == amount
    assert parse_money("premium", amount) == amount


@given(st.text(max_size=12))
def test_text_that_is_not_an_amount_is_refused_naming_the_field(text):
    try:
        amount = to_money(text)
    except (ValueError, InvalidOperation):
        with pytest.raises(DomainError) as refused:
            parse_money("premium", text)
        assert (refused.value.code, refused.value.field) == ("not_money", "premium")
        assert refused.value.message == "金额格式不正确 / not an amount of money"
    else:  # hypothesis found a real number ("1e3", "١٢"): it is read like any amount
        assert amount < 0 or parse_money("premium", text) == amount


@pytest.mark.parametrize("bad", ["abc", "NaN", "-Infinity", "1e30", "12.3.4", "¥100"])
def test_these_are_not_amounts(bad):
    with pytest.raises(DomainError) as refused:
        parse_money("premium", bad)
    assert (refused.value.code, refused.value.field) == ("not_money", "premium")


def test_a_negative_amount_is_refused_naming_the_field():
    with pytest.raises(DomainError) as refused:
        parse_money("deductible", "-0.01")
    assert (refused.value.code, refused.value.field) == ("negative_amount", "deductible")
    assert refused.value.message == "金额不能为负 / amount cannot be negative"


def test_an_empty_amount_is_the_default_or_required_or_not_an_amount():
    assert parse_money("parts", "", default=ZERO) == ZERO
    assert parse_money("parts", None, default=ZERO) == ZERO
    with pytest.raises(DomainError) as required:
        parse_money("amount", "", required=True)
    assert (required.value.code, required.value.message) == (
        "required",
        "amount 必填 / amount is required",
    )
    with pytest.raises(DomainError) as missing:
        parse_money("premium", None)
    assert (missing.value.code, missing.value.field) == ("not_money", "premium")


def test_a_caller_keeps_its_own_words_for_a_refusal():
    with pytest.raises(DomainError) as refused:
        parse_money("paint", "x", code="invalid", message="paint 金额格式不正确 / not an amount")
    assert (refused.value.code, refused.value.message) == (
        "invalid",
        "paint 金额格式不正确 / not an amount",
    )
    with pytest.raises(DomainError) as negative:
        parse_money("paint", "-1", negative="paint 不能为负 / cannot be negative")
    assert negative.value.message == "paint 不能为负 / cannot be negative"


def test_yuan_and_euro_formatting():
    assert format_yuan(Decimal("2760")) == "¥2,760.00"
    assert format_yuan(Decimal("412.5"), "EUR") == "€412.50"


def test_phone_and_id_masks_follow_the_published_convention():
    assert pii.mask_phone("13800138000") == "138****8000"
    assert pii.mask_id_number("110105194912310123") == "110105********0123"
    assert pii.mask_name("王小明") == "王**"


@given(st.text(min_size=0, max_size=40))
def test_encryption_round_trips_and_never_stores_plaintext(value):
    token = pii.encrypt(value)
    assert pii.decrypt(token) == value
    assert token.startswith(f"v2:{pii.current_fingerprint()}:")
    if len(value) >= 4:
        assert value not in token


def test_same_phone_encrypts_differently_but_indexes_identically():
    a, b = pii.encrypt("13800138000"), pii.encrypt("13800138000")
    assert a != b  # random nonce: equal values are not linkable from the ciphertext
    assert pii.blind_index("13800138000") == pii.blind_index("13800138000")
    assert pii.blind_index("13800138000") != pii.blind_index("13800138001")


def test_tampered_ciphertext_is_rejected():
    token = pii.encrypt("13800138000")
    raw = token[:-4] + ("AAAA" if token[-4:] != "AAAA" else "BBBB")
    with pytest.raises(Exception):  # noqa: B017 - cryptography raises InvalidTag
        pii.decrypt(raw)
