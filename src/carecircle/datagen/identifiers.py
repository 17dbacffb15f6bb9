"""Vectorised construction of valid Chinese identifiers (numpy in, polars String out).

Each builder mirrors a rule in ``carecircle.core.validators`` (tests prove every generated
value passes the validator). Uniqueness comes from an injective map of a global index
``h(i) = (a·i + b) mod M`` (``a`` coprime with ``M``), decoded into the identifier's digits, so
chunks generated in parallel never collide.
"""

from __future__ import annotations

import numpy as np
import polars as pl

_VIN_ALPHABET = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"  # no I, O, Q
_VIN_VALUE = np.zeros(128, dtype=np.int64)
for _i, _ch in enumerate("0123456789"):
    _VIN_VALUE[ord(_ch)] = _i
for _ch, _v in zip(
    "ABCDEFGHJKLMNPRSTUVWXYZ", [*range(1, 9), *range(1, 6), 7, 9, *range(2, 10)], strict=True
):
    _VIN_VALUE[ord(_ch)] = _v
_VIN_WEIGHTS = np.array((8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2), dtype=np.int64)
_VIN_YEAR = dict(zip(range(2010, 2031), "ABCDEFGHJKLMNPRSTVWXY", strict=True))

_ID_WEIGHTS = np.array((7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2), dtype=np.int64)
_ID_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_BYTES = np.frombuffer(_USCC_ALPHABET.encode(), dtype=np.uint8)
_USCC_WEIGHTS = np.array(
    (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28), dtype=np.int64
)
_ORG_WEIGHTS = np.array((3, 7, 9, 10, 5, 8, 4, 2), dtype=np.int64)  # GB 11714

_PLATE_LETTERS = np.frombuffer(b"ABCDEFGHJKLMNPQRSTUVWXYZ", dtype=np.uint8)
_PLATE_ALNUM = np.frombuffer(b"ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", dtype=np.uint8)
_DIGITS = np.frombuffer(b"0123456789", dtype=np.uint8)
_DF = np.frombuffer(b"DF", dtype=np.uint8)


def ascii_rows(matrix: np.ndarray) -> pl.Series:
    """An (n, k) uint8 matrix of ASCII codes → a String series of n k-character values."""
    matrix = np.ascontiguousarray(matrix, dtype=np.uint8)
    width = matrix.shape[1]
    return pl.Series(matrix.view(f"S{width}").ravel()).cast(pl.String)


def scatter(index: np.ndarray, modulus: int, multiplier: int, offset: int) -> np.ndarray:
    """Injective for 0 <= index < modulus when gcd(multiplier, modulus) == 1."""
    return (index.astype(np.int64) * multiplier + offset) % modulus


def _radix(values: np.ndarray, alphabets: list[np.ndarray]) -> np.ndarray:
    """Mixed-radix digits of ``values`` (last alphabet least significant) as ASCII columns."""
    out = np.empty((len(values), len(alphabets)), dtype=np.uint8)
    rest = values.copy()
    for col in range(len(alphabets) - 1, -1, -1):
        base = len(alphabets[col])
        out[:, col] = alphabets[col][rest % base]
        rest //= base
    return out


def _digits(values: np.ndarray, width: int) -> np.ndarray:
    """Decimal digits (most significant first) as an int64 (n, width) matrix."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return (values[:, None] // powers[None, :]) % 10


def id_numbers(region: np.ndarray, birth_ymd: np.ndarray, sequence: np.ndarray) -> pl.Series:
    """GB 11643 resident ID: 6-digit region, yyyymmdd birth, 3-digit sequence (odd = male)."""
    first17 = region.astype(np.int64) * 10**11 + birth_ymd.astype(np.int64) * 1000 + sequence
    digits = _digits(first17, 17)
    check = _ID_CHECK[(digits @ _ID_WEIGHTS) % 11]
    matrix = np.empty((len(first17), 18), dtype=np.uint8)
    matrix[:, :17] = digits + 48
    matrix[:, 17] = check
    return ascii_rows(matrix)


def usccs(region: np.ndarray, index: np.ndarray) -> pl.Series:
    """GB 32100 code: 9 (market regulator) 1 (enterprise), region, GB 11714 organisation code."""
    n = len(index)
    org_body = scatter(index, 31**8, 1_000_000_007, 123_456_789)
    body_values = np.empty((n, 8), dtype=np.int64)
    rest = org_body.copy()
    for col in range(7, -1, -1):
        body_values[:, col] = rest % 31
        rest //= 31
    body_ascii = _USCC_BYTES[body_values]
    # GB 11714 values: digits 0-9, letters A=10 … Z=35
    org_values = np.where(body_ascii >= 65, body_ascii.astype(np.int64) - 55, body_values)
    org_check_value = (11 - (org_values @ _ORG_WEIGHTS) % 11) % 11  # 11 → 0
    org_check = np.where(org_check_value == 10, ord("X"), org_check_value + 48).astype(np.uint8)
    values = np.empty((n, 17), dtype=np.int64)
    values[:, 0] = 9
    values[:, 1] = 1
    values[:, 2:8] = _digits(region.astype(np.int64), 6)
    values[:, 8:16] = body_values
    ascii_ = np.empty((n, 18), dtype=np.uint8)
    ascii_[:, :16] = _USCC_BYTES[values[:, :16]]
    ascii_[:, 16] = org_check
    values[:, 16] = np.searchsorted(_USCC_BYTES, org_check)  # alphabet is ASCII-sorted
    ascii_[:, 17] = _USCC_BYTES[(31 - (values @ _USCC_WEIGHTS) % 31) % 31]
    return ascii_rows(ascii_)


def vins(
    wmi: np.ndarray, model_year: np.ndarray, index: np.ndarray, rng: np.random.Generator
) -> pl.Series:
    """GB 16735 VIN: WMI, 5 descriptor characters, check digit, model year, plant, serial."""
    n = len(index)
    alphabet = np.frombuffer(_VIN_ALPHABET.encode(), dtype=np.uint8)
    matrix = np.empty((n, 17), dtype=np.uint8)
    matrix[:, 0:3] = wmi
    matrix[:, 3:8] = alphabet[rng.integers(0, 33, size=(n, 5))]
    years = np.frombuffer("".join(_VIN_YEAR[y] for y in range(2010, 2031)).encode(), np.uint8)
    matrix[:, 9] = years[np.clip(model_year - 2010, 0, 20)]
    unique = scatter(index, 33 * 10**6, 7_919_993, 424_242)
    matrix[:, 10:17] = _radix(unique, [alphabet] + [_DIGITS] * 6)
    matrix[:, 8] = 48
    total = _VIN_VALUE[matrix] @ _VIN_WEIGHTS
    remainder = total % 11
    matrix[:, 8] = np.where(remainder == 10, ord("X"), remainder + 48)
    return ascii_rows(matrix)


def wmi_matrix(codes: list[str], which: np.ndarray) -> np.ndarray:
    table = np.frombuffer("".join(codes).encode(), dtype=np.uint8).reshape(-1, 3)
    return table[which]


ORDINARY_PLATES = 24 * 34 * 34 * 100
SMALL_NEV_PLATES = 2 * 34 * 10**4
LARGE_NEV_PLATES = 10**5 * 2


def plates(
    province_char: pl.Series,
    city_letter: np.ndarray,
    ordinary_index: np.ndarray,
    nev_index: np.ndarray,
    new_energy: np.ndarray,
    large: np.ndarray,
) -> pl.Series:
    """GA 36-2018 plates: ordinary ``粤B·A12C34``-style (7), new-energy small ``粤B·D12345``
    and large ``粤B·12345D`` (8). ``city_letter`` is an ASCII code per row."""
    n = len(ordinary_index)
    ordinary = _radix(
        scatter(ordinary_index, ORDINARY_PLATES, 1_000_003, 777),
        [_PLATE_LETTERS, _PLATE_ALNUM, _PLATE_ALNUM, _DIGITS, _DIGITS],
    )
    small = _radix(
        scatter(nev_index, SMALL_NEV_PLATES, 100_003, 99),
        [_DF, _PLATE_ALNUM, _DIGITS, _DIGITS, _DIGITS, _DIGITS],
    )
    big = _radix(
        scatter(nev_index, LARGE_NEV_PLATES, 10_007, 17),
        [_DIGITS] * 5 + [_DF],
    )
    tail = np.zeros((n, 7), dtype=np.uint8)
    tail[:, 0] = city_letter
    tail[:, 1:6] = ordinary
    nev_small = new_energy & ~large
    nev_large = new_energy & large
    tail[nev_small, 1:7] = small[nev_small]
    tail[nev_large, 1:7] = big[nev_large]
    ascii_tail = ascii_rows(tail).str.strip_chars_end("\x00")
    return province_char + ascii_tail


def mobiles(index: np.ndarray, rng: np.random.Generator, prefixes: tuple[str, ...]) -> pl.Series:
    prefix_table = np.frombuffer("".join(prefixes).encode(), dtype=np.uint8).reshape(-1, 3)
    n = len(index)
    matrix = np.empty((n, 11), dtype=np.uint8)
    matrix[:, :3] = prefix_table[rng.integers(0, len(prefixes), size=n)]
    matrix[:, 3:] = _digits(scatter(index, 10**8, 7_654_321, 13_579), 8) + 48
    return ascii_rows(matrix)
