"""Validators for Chinese identifiers, each with a clear bilingual message.

Pure functions (``check_*``) return the normalised value or raise ``ValidationError`` with a
code; Django validators wrap them. Rules and examples are in docs/domain.md.
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# GB 11643-1999
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")


def id_number_check_char(first17: str) -> str:
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def check_id_number(value: str, *, today: dt.date | None = None) -> str:
    v = (value or "").strip().upper()
    if not _ID_RE.match(v):
        raise ValidationError(
            _(
                "身份证号须为18位（17位数字加校验位）/ ID number must be 18 characters: 17 digits and a check character"
            ),
            code="id_format",
        )
    try:
        birth = dt.date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
    except ValueError:
        raise ValidationError(
            _(
                "身份证号中的出生日期不存在 / the birth date inside the ID number is not a real date"
            ),
            code="id_birth_date",
        ) from None
    if birth.year < 1800 or birth > (today or dt.date.today()):
        raise ValidationError(
            _("身份证号中的出生日期不合理 / the birth date inside the ID number is out of range"),
            code="id_birth_date",
        )
    if id_number_check_char(v[:17]) != v[17]:
        raise ValidationError(
            _("身份证号校验位错误 / ID number check character is wrong"), code="id_checksum"
        )
    return v


def birth_date_from_id(value: str) -> dt.date:
    return dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


def gender_from_id(value: str) -> str:
    return "M" if int(value[16]) % 2 else "F"


# GB 32100-2015
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$")


def uscc_check_char(first17: str) -> str:
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def check_uscc(value: str) -> str:
    v = (value or "").strip().upper()
    if not _USCC_RE.match(v):
        raise ValidationError(
            _(
                "统一社会信用代码须为18位，不含 I、O、Z、S、V / unified social credit code must be 18 characters without I, O, Z, S, V"
            ),
            code="uscc_format",
        )
    if uscc_check_char(v[:17]) != v[17]:
        raise ValidationError(
            _("统一社会信用代码校验位错误 / unified social credit code check character is wrong"),
            code="uscc_checksum",
        )
    return v


# GB 16735 / ISO 3779
_VIN_VALUES = (
    {str(d): d for d in range(10)}
    | dict(zip("ABCDEFGH", range(1, 9), strict=True))
    | dict(zip("JKLMN", range(1, 6), strict=True))
    | {"P": 7, "R": 9}
    | dict(zip("STUVWXYZ", range(2, 10), strict=True))
)
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
_VIN_RE = re.compile(r"^[0-9A-HJ-NPR-Z]{17}$")


def vin_check_char(vin17: str) -> str:
    total = sum(_VIN_VALUES[c] * w for c, w in zip(vin17, _VIN_WEIGHTS, strict=True))
    r = total % 11
    return "X" if r == 10 else str(r)


def check_vin(value: str) -> str:
    v = (value or "").strip().upper()
    if not _VIN_RE.match(v):
        raise ValidationError(
            _(
                "车架号(VIN)须为17位字母数字，不含 I、O、Q / VIN must be 17 letters or digits without I, O, Q"
            ),
            code="vin_format",
        )
    if vin_check_char(v) != v[8]:
        raise ValidationError(
            _("车架号(VIN)第9位校验位错误 / VIN check digit (9th character) is wrong"),
            code="vin_checksum",
        )
    return v


# GA 36-2018
PROVINCE_CHARS = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_SERIAL = "A-HJ-NP-Z0-9"
_PLATE_ORDINARY = re.compile(rf"^[{PROVINCE_CHARS}][A-HJ-NP-Z][{_SERIAL}]{{5}}$")
_PLATE_NEV_SMALL = re.compile(rf"^[{PROVINCE_CHARS}][A-HJ-NP-Z][DF][{_SERIAL}]\d{{4}}$")
_PLATE_NEV_LARGE = re.compile(rf"^[{PROVINCE_CHARS}][A-HJ-NP-Z]\d{{5}}[DF]$")


def check_plate(value: str) -> str:
    v = (value or "").strip().upper().replace(" ", "").replace("·", "").replace("-", "")
    if _PLATE_ORDINARY.match(v) or _PLATE_NEV_SMALL.match(v) or _PLATE_NEV_LARGE.match(v):
        return v
    raise ValidationError(
        _(
            "车牌号格式不正确（普通7位或新能源8位，不含 I、O）/ licence plate is not valid: 7 characters ordinary or 8 new-energy, no I or O"
        ),
        code="plate_format",
    )


def is_new_energy_plate(plate: str) -> bool:
    return len(plate) == 8


_PHONE_RE = re.compile(r"^1[3-9]\d{9}$")


def check_mobile(value: str) -> str:
    v = re.sub(r"[\s-]", "", value or "")
    if v.startswith("+86"):
        v = v[3:]
    elif v.startswith("0086"):
        v = v[4:]
    if not _PHONE_RE.match(v):
        raise ValidationError(
            _("手机号须为以1开头的11位数字 / mobile number must be 11 digits starting with 1"),
            code="mobile_format",
        )
    return v


# Django-style validators (plain module-level functions so migrations can reference them).
def validate_id_number(value: str) -> None:
    check_id_number(value)


def validate_uscc(value: str) -> None:
    check_uscc(value)


def validate_vin(value: str) -> None:
    check_vin(value)


def validate_plate(value: str) -> None:
    check_plate(value)


def validate_mobile(value: str) -> None:
    check_mobile(value)
