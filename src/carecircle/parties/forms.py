"""The one-box customer search: recognise what was typed, normalise it, say what was searched."""

from __future__ import annotations

import re
from collections.abc import Callable

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from carecircle.core.validators import (
    PROVINCE_CHARS,
    check_id_number,
    check_mobile,
    check_plate,
    check_vin,
)
from carecircle.parties.selectors import SearchKind, SearchTerm

_ID_LIKE = re.compile(r"^\d{17}[\dXx]$")
_VIN_LIKE = re.compile(r"^[0-9A-HJ-NPR-Z]{17}$")
_MOBILE_LIKE = re.compile(r"^(\+86|0086)?[\s-]*1[\d\s-]{10,12}$")
_CODE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z_-]{2,39}$")
_NAME = re.compile(r"^[^\d<>\"'%;]{1,64}$")


def _last4(value: str) -> str:
    if not re.fullmatch(r"\d{4}", value):
        raise ValidationError(
            _("手机尾号须为4位数字 / phone suffix must be 4 digits"), code="phone_last4"
        )
    return value


def _name(value: str) -> str:
    if not _NAME.match(value):
        raise ValidationError(
            _("姓名不能包含数字或特殊符号，最长64字 / a name has no digits or symbols, 64 at most"),
            code="name_format",
        )
    return value


def _code(value: str) -> str:
    if not _CODE.match(value):
        raise ValidationError(
            _("编号须为3到40位字母、数字 / a number must be 3 to 40 letters or digits"),
            code="code_format",
        )
    return value.upper()


# Explicitly chosen kinds: the value must follow that kind's rule.
_CHECKS: dict[str, Callable[[str], str]] = {
    SearchKind.NAME: _name,
    SearchKind.NAME_CONTAINS: _name,
    SearchKind.PHONE: check_mobile,
    SearchKind.PHONE_LAST4: _last4,
    SearchKind.ID_NUMBER: check_id_number,
    SearchKind.PLATE: check_plate,
    SearchKind.VIN: check_vin,
    SearchKind.POLICY_NO: _code,
    SearchKind.CUSTOMER_NO: _code,
    SearchKind.IDENTIFIER: _code,
}


def detect(raw: str) -> SearchTerm:
    """Auto-detect: 4 digits → phone suffix; 11-digit mobile → phone; 18 → ID; plate; VIN;
    other letters-and-digits → customer or policy no.; anything else → name."""
    q = raw.strip()
    compact = re.sub(r"[\s·-]", "", q).upper()
    if re.fullmatch(r"\d{4}", compact):
        return SearchTerm(SearchKind.PHONE_LAST4, compact)
    if _MOBILE_LIKE.match(q):
        try:
            return SearchTerm(SearchKind.PHONE, check_mobile(q))
        except ValidationError:
            pass
    if _ID_LIKE.match(compact):
        try:
            return SearchTerm(SearchKind.ID_NUMBER, check_id_number(compact))
        except ValidationError as exc:
            # Could still be a policy or customer number; tell the user if nothing is found.
            return SearchTerm(SearchKind.IDENTIFIER, compact, hint=exc.messages[0])
    if compact[:1] and compact[0] in PROVINCE_CHARS and re.search(r"[0-9A-Z]", compact):
        return SearchTerm(SearchKind.PLATE, check_plate(compact))
    if _VIN_LIKE.match(compact):
        try:
            return SearchTerm(SearchKind.VIN, check_vin(compact))
        except ValidationError as exc:
            return SearchTerm(SearchKind.IDENTIFIER, compact, hint=exc.messages[0])
    if re.search(r"\d", compact):
        return SearchTerm(SearchKind.IDENTIFIER, _code(compact))
    return SearchTerm(SearchKind.NAME, _name(q))


class CustomerSearchForm(forms.Form):
    q = forms.CharField(
        label=_("查询 / Search"),
        max_length=64,
        widget=forms.TextInput(
            attrs={
                "placeholder": _("姓名、手机号、尾号、身份证、车牌、车架号、保单号、客户号"),
                "autocomplete": "off",
                "aria-label": _("客户查询 / Customer search"),
                "autofocus": True,
                "type": "search",
            }
        ),
    )
    kind = forms.ChoiceField(
        label=_("查询方式 / Search by"),
        choices=[(k.value, k.label) for k in SearchKind if k != SearchKind.IDENTIFIER],
        required=False,
        initial=SearchKind.AUTO,
        widget=forms.Select(attrs={"aria-label": _("查询方式 / Search by")}),
    )
    page = forms.IntegerField(min_value=1, required=False)

    def clean(self):
        data = super().clean() or {}
        raw = data.get("q")
        if not raw:
            return data
        kind = data.get("kind") or SearchKind.AUTO
        try:
            if kind == SearchKind.AUTO:
                data["term"] = detect(raw)
            else:
                data["term"] = SearchTerm(kind, _CHECKS[kind](raw.strip()))
        except ValidationError as exc:
            self.add_error("q", exc)
        return data
