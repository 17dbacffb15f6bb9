"""Read queries for the customer search and the customer behind a page.

Every queryset starts from ``Model.objects.restrict(user)``. Every search kind is an indexed
equality or prefix lookup; ``NAME_CONTAINS`` (used when a name prefix finds nobody) is served
on PostgreSQL by the character-pair index ``customer_name_grams``. Pages are ``LIMIT page_size + 1`` slices ordered by primary key: the
extra row says whether a next page exists, so no ``COUNT(*)`` runs over the book. The customer
360 page's read model is ``carecircle.desk.selectors.customer360``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.db import connection, models
from django.db.models import F, Func, TextField
from django.utils.translation import gettext_lazy as _

from . import conf
from .models import Customer, CustomerQuerySet, Vehicle

MAX_PAGE = 40  # 40 × 25 = 1,000 results; past that the user is asked to narrow the query


class SearchKind(models.TextChoices):
    AUTO = "auto", _("自动识别 / Auto-detect")
    NAME = "name", _("姓名前缀 / Name prefix")
    NAME_CONTAINS = "name_contains", _("姓名包含 / Name contains")
    PHONE = "phone", _("完整手机号 / Full mobile number")
    PHONE_LAST4 = "phone_last4", _("手机尾号 / Mobile last 4 digits")
    ID_NUMBER = "id_number", _("身份证号 / ID number")
    PLATE = "plate", _("车牌号 / Plate")
    VIN = "vin", _("车架号 / VIN")
    POLICY_NO = "policy_no", _("保单号 / Policy no.")
    CUSTOMER_NO = "customer_no", _("客户号 / Customer no.")
    IDENTIFIER = "identifier", _("客户号或保单号 / Customer or policy no.")


# What the results header says was searched ("按手机号查找 / searched by full phone").
SEARCHED_BY = {
    SearchKind.NAME: _("按姓名前缀查找 / searched by name prefix"),
    SearchKind.NAME_CONTAINS: _("按姓名包含查找 / searched by name containing"),
    SearchKind.PHONE: _("按完整手机号查找 / searched by full phone"),
    SearchKind.PHONE_LAST4: _("按手机尾号查找 / searched by phone last 4 digits"),
    SearchKind.ID_NUMBER: _("按身份证号查找 / searched by ID number"),
    SearchKind.PLATE: _("按车牌号查找 / searched by plate"),
    SearchKind.VIN: _("按车架号查找 / searched by VIN"),
    SearchKind.POLICY_NO: _("按保单号查找 / searched by policy no."),
    SearchKind.CUSTOMER_NO: _("按客户号查找 / searched by customer no."),
    SearchKind.IDENTIFIER: _("按客户号或保单号查找 / searched by customer or policy no."),
}


@dataclass(frozen=True)
class SearchTerm:
    kind: str  # a SearchKind other than AUTO
    value: str  # normalised
    hint: str = ""  # e.g. why an ID-like value was not searched as an ID number


@dataclass
class CustomerRow:
    customer: Customer
    shown_name: str


@dataclass
class SearchPage:
    term: SearchTerm
    kind: str  # the kind actually searched (IDENTIFIER resolves to one of its two)
    rows: list[CustomerRow]
    number: int
    has_next: bool
    too_many: bool = False

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def searched_by(self) -> str:
        return str(SEARCHED_BY[SearchKind(self.kind)])

    @property
    def first_index(self) -> int:
        return (self.number - 1) * page_size() + 1


def page_size() -> int:
    return int(conf.get("SEARCH_PAGE_SIZE"))


def _filter(qs: CustomerQuerySet, kind: str, value: str) -> models.QuerySet:
    if kind == SearchKind.NAME:
        return qs.filter(name__startswith=value)
    if kind == SearchKind.NAME_CONTAINS:
        return name_contains(qs, value)
    if kind == SearchKind.PHONE:
        return qs.search_phone(value)
    if kind == SearchKind.PHONE_LAST4:
        return qs.filter(phone_last4=value)
    if kind == SearchKind.ID_NUMBER:
        return qs.search_id_number(value)
    if kind == SearchKind.CUSTOMER_NO:
        return qs.filter(customer_no=value)
    if kind == SearchKind.PLATE:
        owners = Vehicle.objects.filter(plate=value).values("owner_id")
        return qs.filter(pk__in=owners)
    if kind == SearchKind.VIN:
        # ``exclude(vin="")`` repeats the partial unique index's condition so SQLite uses it.
        owners = Vehicle.objects.filter(vin=value).exclude(vin="").values("owner_id")
        return qs.filter(pk__in=owners)
    if kind == SearchKind.POLICY_NO:
        # Through the reverse relation: policies sit above parties, so no import; the policy
        # number is unique, so the join adds no row.
        return qs.filter(policies__policy_no=value)
    raise ValueError(f"unknown search kind {kind!r}")


def name_grams(value: str) -> list[str]:
    """The grams a name must hold to contain ``value``: its character pairs, or the one
    character (the ``cc_name_grams`` index, parties/migrations/0003)."""
    if len(value) < 2:
        return [value]
    return sorted({value[i : i + 2] for i in range(len(value) - 1)})


def name_contains(qs: models.QuerySet, value: str) -> models.QuerySet:
    if connection.vendor != "postgresql" or not value:
        return qs.filter(name__contains=value)
    # The index narrows to names holding every pair; LIKE re-checks that they are adjacent
    # and in order. The expression must match the index's exactly for the planner to use it.
    grams = Func(F("name"), function="cc_name_grams", output_field=ArrayField(TextField()))
    return qs.alias(name_grams=grams).filter(
        name_grams__contains=name_grams(value), name__contains=value
    )


def _page(qs: models.QuerySet, number: int, size: int) -> tuple[list[Customer], bool]:
    # Key order: PostgreSQL walks the primary key and stops at the page for common values
    # (a surname) and sorts the few matches of a rare one; no ORDER BY name, which a
    # non-C collation cannot serve from the ``varchar_pattern_ops`` index LIKE uses.
    start = (number - 1) * size
    found = list(qs.order_by("pk")[start : start + size + 1])
    return found[:size], len(found) > size


def search_customers(user: Any, term: SearchTerm, number: int = 1) -> SearchPage:
    """One page of the customers ``user`` may see that match ``term``; masked data only."""
    size = page_size()
    number = max(1, number)
    if number > MAX_PAGE:
        return SearchPage(term, term.kind, [], number, has_next=False, too_many=True)
    # Lists never load the ciphertexts (nothing to decrypt) nor the owner's password hash.
    base = (
        Customer.objects.restrict(user)
        .select_related("owner")
        .defer("phone_encrypted", "id_number_encrypted", "owner__password")
    )
    kind = term.kind
    if kind == SearchKind.IDENTIFIER:
        # A code that is not a phone, ID, plate or VIN: customer no. first, then policy no.
        kind = SearchKind.CUSTOMER_NO
        customers, has_next = _page(_filter(base, kind, term.value), number, size)
        if not customers:
            kind = SearchKind.POLICY_NO
            customers, has_next = _page(_filter(base, kind, term.value), number, size)
    else:
        customers, has_next = _page(_filter(base, kind, term.value), number, size)
        if not customers and kind == SearchKind.NAME and number == 1:
            kind = SearchKind.NAME_CONTAINS
            customers, has_next = _page(_filter(base, kind, term.value), number, size)
    rows = [CustomerRow(c, c.display_name_for(user)) for c in customers]
    return SearchPage(
        term, kind, rows, number, has_next=has_next, too_many=has_next and number == MAX_PAGE
    )


def customer_for(user: Any, customer_id: int) -> Customer:
    """The customer if ``user`` may see them, else ``Customer.DoesNotExist``."""
    return (
        Customer.objects.restrict(user)
        .select_related("owner")
        .defer("owner__password")
        .get(pk=customer_id)
    )
