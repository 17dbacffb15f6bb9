"""A customer's phone, resident ID number and USCC are unique across the whole book — the rule
the API enforces (``parties.services._set_identity``) — and the importer enforces it too, row by
row, in both paths.

A row that passed its own checks is rejected (and never loaded) when another customer already
has one of its identities:

- **in the file**: an earlier row of the same file, under another customer no., has it (the
  first row that passes this check holds its numbers; it keeps them even if it is rejected
  later for a reference, so the answer does not depend on the batch a row falls in);
- **in the book**: a customer stored under another customer no. has it (looked up batch by
  batch before the batch is written, through the blind index — every readable key's hash, so
  a rotation in progress hides nothing — or the USCC column).

A row updating its *own* customer no. with its own number is not a duplicate, so importing the
same file twice still changes nothing. Both paths call :func:`check` per batch in file order,
so they reject the same rows with the same words; the report shows the number masked
(138****0001), never in full.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connections, models

from carecircle.core import pii

from .results import RowError

SEQ_UNIQUE = 1_500  # a row's uniqueness errors come after its cross-column checks (vframe)


@dataclass(frozen=True)
class Identity:
    column: str  # the file's column (plain value)
    stored: str  # the model field looked up: a blind index, or the plain USCC
    code: str  # the API's code for the same refusal
    zh: str
    en: str
    hashed: bool
    shown: Callable[[str], str]  # what the report shows of the value


IDENTITIES: tuple[Identity, ...] = (
    Identity("phone", "phone_hash", "duplicate_phone", "手机号", "phone", True, pii.mask_phone),
    Identity(
        "id_number",
        "id_number_hash",
        "duplicate_id_number",
        "身份证号",
        "ID number",
        True,
        pii.mask_id_number,
    ),
    Identity("uscc", "uscc", "duplicate_uscc", "统一社会信用代码", "USCC", False, str),
)


def _indexer() -> Callable[[str], list[str]]:
    """value → its blind index under every readable key (the current one first): the keyring
    is read once per batch, not once per value (``pii.blind_indexes`` reads it per call)."""
    keys = pii.keyring().readable
    return lambda value: list(dict.fromkeys(key.index(value) for key in keys))


@dataclass
class Seen:
    """The identities met so far in this file: (column, value) → (row, customer no.)."""

    first: dict[tuple[str, str], tuple[int, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Candidate:
    row: int
    key: str  # customer no.
    values: dict[str, Any]  # plain, normalised identities by column ("" or None = none)


def _in_file(identity: Identity, row: int, value: str, other: tuple[int, str]) -> RowError:
    first_row, first_key = other
    return RowError(
        row,
        identity.column,
        identity.shown(value),
        identity.code,
        f"与本文件第{first_row}行（客户号 {first_key}）的{identity.zh}重复 / same "
        f"{identity.en} as row {first_row} (customer no. {first_key}) of this file",
    )


def _in_book(identity: Identity, row: int, value: str, holder: str) -> RowError:
    return RowError(
        row,
        identity.column,
        identity.shown(value),
        identity.code,
        f"已有客户（客户号 {holder}）使用该{identity.zh} / another customer ({holder}) "
        f"already has this {identity.en}",
    )


def _holders(
    model: type[models.Model], identity: Identity, values: set[str]
) -> dict[str, set[str]]:
    """value → the customer nos. stored with it."""
    if not values:
        return {}
    lookups: dict[str, str] = {}
    indexes = _indexer() if identity.hashed else lambda value: [value]
    for value in values:
        for looked in indexes(value):
            lookups[looked] = value
    found = _stored_with(model, identity.stored, list(lookups))
    out: dict[str, set[str]] = {}
    for looked, customer_no in found:
        out.setdefault(lookups[looked], set()).add(customer_no)
    return out


def _stored_with(model: type[models.Model], field: str, wanted: list[str]) -> list[tuple]:
    """(value, customer no.) of the stored rows whose ``field`` is one of ``wanted``. On
    PostgreSQL one array parameter (``= ANY``): compiling an ``IN`` of 5,000 parameters
    through the ORM cost more than the index lookups themselves."""
    conn = connections[model._base_manager.db]
    if conn.vendor != "postgresql":
        return list(
            model._base_manager.filter(**{f"{field}__in": wanted}).values_list(field, "customer_no")
        )
    meta = model._meta
    column = conn.ops.quote_name(next(f.column for f in meta.concrete_fields if f.attname == field))
    with conn.cursor() as cursor:
        cursor.execute(
            f"SELECT {column}, {conn.ops.quote_name('customer_no')} "  # noqa: S608 - model names
            f"FROM {conn.ops.quote_name(meta.db_table)} WHERE {column} = ANY(%s)",
            [wanted],
        )
        return cursor.fetchall()


def check(
    model: type[models.Model], candidates: Iterable[Candidate], seen: Seen
) -> dict[int, list[tuple[int, RowError]]]:
    """Row → its (order, error) list, for the rows of one batch (in file order) that another
    customer's identity rules out. A row that passes claims its identities in ``seen``."""
    rows = list(candidates)
    holders = [
        _holders(model, identity, {v for c in rows if (v := c.values.get(identity.column) or "")})
        for identity in IDENTITIES
    ]
    out: dict[int, list[tuple[int, RowError]]] = {}
    for c in rows:
        found: list[tuple[int, RowError]] = []
        for i, identity in enumerate(IDENTITIES):
            value = c.values.get(identity.column) or ""
            if not value:
                continue
            other = seen.first.get((identity.column, value))
            if other is not None and other[1] != c.key:
                found.append((SEQ_UNIQUE + i, _in_file(identity, c.row, value, other)))
            elif others := holders[i].get(value, set()) - {c.key}:
                found.append((SEQ_UNIQUE + i, _in_book(identity, c.row, value, min(others))))
        if found:
            out[c.row] = found
            continue
        for identity in IDENTITIES:
            value = c.values.get(identity.column) or ""
            if value:
                seen.first.setdefault((identity.column, value), (c.row, c.key))
    return out
