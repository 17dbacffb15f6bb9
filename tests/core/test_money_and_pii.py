"""Money is Decimal yuan; personal data is encrypted, blind-indexed and masked."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carecircle.core import pii
from carecircle.core.money import format_yuan, to_money


def test_money_from_float_keeps_the_decimal_the_analyst_meant():
    assert to_money(0.1) == Decimal("0.10")
    assert to_money(2759.995) == Decimal("2760.00")  # half up, not banker's rounding


def test_money_from_text_with_thousands_separators():
    assert to_money("1,234.5") == Decimal("1234.50")


@pytest.mark.parametrize("bad", ["abc", "NaN", "Infinity"])
def test_money_refuses_non_amounts(bad):
    with pytest.raises(ValueError):
        to_money(bad)


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
    assert token.startswith("v1:")
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
