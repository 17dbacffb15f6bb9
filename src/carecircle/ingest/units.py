"""The unit (机构) of an imported row that gives no ``unit_code``.

A ``unit_code`` column (or one of its Chinese headers, ``ALIASES``) names the unit; an unknown
code rejects the row like any unknown reference (``tables.UNIT``). A blank one is filled by
the rule of the table — the unit that sold or owns the row:

- policies: the agent's unit, else the unit of the partner's agreement (the 中心支公司 that
  signed it), else the default;
- claims: the policy's unit, else the default;
- customers: the owner's (seat's or agent's) unit, else the default;
- staff: the unit the person already has, else the default (a re-import without the column
  never undoes a transfer made with ``carecircle org place``).

The default is ``settings.CARECIRCLE["INGEST"]["DEFAULT_UNIT"]`` (a unit code; blank: the
head office). A default that names no unit stops the import before any row is written.
"""

from __future__ import annotations

from typing import Any

import polars as pl
from django.core.exceptions import ImproperlyConfigured

from carecircle.core.conf import AppSettings
from carecircle.core.models import OrgUnit, User
from carecircle.core.org import common_ancestor, head_office
from carecircle.ecosystem.choices import AgreementStatus
from carecircle.ecosystem.models import Agreement
from carecircle.parties.models import Team
from carecircle.policies.models import Policy

SETTINGS = AppSettings("INGEST", {"DEFAULT_UNIT": ""})

# Headers a core system's export uses for the unit code (renamed to ``unit_code``).
ALIASES = ("机构代码", "机构编码", "归属机构代码", "出单机构代码")

# table → the reference columns (by attname) whose unit a blank unit_code takes, in order
RULES: dict[str, tuple[str, ...]] = {
    "policies": ("agent_id", "partner_id"),
    "claims": ("policy_id",),
    "customers": ("owner_id",),
    "staff": ("id",),  # the stored user with this username
}


def with_aliases(frame: pl.DataFrame) -> pl.DataFrame:
    """Rename the first Chinese unit header present to ``unit_code`` (when it is absent)."""
    if "unit_code" in frame.columns:
        return frame
    for alias in ALIASES:
        if alias in frame.columns:
            return frame.rename({alias: "unit_code"})
    return frame


def default_unit_id() -> int:
    code = SETTINGS.get("DEFAULT_UNIT")
    if not code:
        return head_office().pk
    pk = OrgUnit.objects.filter(code=code).values_list("pk", flat=True).first()
    if pk is None:
        raise ImproperlyConfigured(
            f"CARECIRCLE['INGEST']['DEFAULT_UNIT'] 指定的机构不存在 / names no unit: {code}"
        )
    return pk


CHUNK = 10_000  # ids per lookup: a file of a million claims asks in chunks, not one IN list


def _units_of(attname: str, ids: set[int]) -> dict[int, int]:
    if len(ids) > CHUNK:
        ordered = sorted(ids)
        found: dict[int, int] = {}
        for start in range(0, len(ordered), CHUNK):
            found |= _units_of(attname, set(ordered[start : start + CHUNK]))
        return found
    if not ids:
        return {}
    if attname in ("agent_id", "owner_id"):
        rows = User.objects.filter(pk__in=ids, unit__isnull=False).values_list("pk", "unit_id")
        return dict(rows)
    if attname == "partner_id":
        # The unit that signed the partner's agreement: an active one before others, the
        # latest start first.
        best: dict[int, tuple[bool, int]] = {}
        agreements = (
            Agreement.objects.filter(partner_id__in=ids, unit__isnull=False)
            .order_by("-starts_on", "-pk")
            .values_list("partner_id", "unit_id", "status")
        )
        for partner, unit, status in agreements:
            active = status == AgreementStatus.ACTIVE
            if partner not in best or (active and not best[partner][0]):
                best[partner] = (active, unit)
        return {partner: unit for partner, (_, unit) in best.items()}
    if attname == "policy_id":
        rows = Policy.objects.filter(pk__in=ids, unit__isnull=False).values_list("pk", "unit_id")
        return dict(rows)
    raise KeyError(attname)


def fill_rows(table: str, kept: list[tuple[dict, dict]]) -> None:
    """The row path (loader.py): set ``unit_id`` of rows whose unit_code was blank."""
    rule = RULES.get(table)
    if rule is None:
        return
    blank = [values for raw, values in kept if values.get("unit_id") is None]
    if not blank:
        return
    if table == "staff":
        names = {v["username"] for v in blank}
        have = dict(
            User.objects.filter(username__in=names, unit__isnull=False).values_list(
                "username", "unit_id"
            )
        )
        default = default_unit_id()
        for values in blank:
            values["unit_id"] = have.get(values["username"], default)
        return
    maps = {a: _units_of(a, {v[a] for v in blank if v.get(a) is not None}) for a in rule}
    default = default_unit_id()
    for values in blank:
        unit = next(
            (maps[a][values[a]] for a in rule if values.get(a) in maps[a]),
            default,
        )
        values["unit_id"] = unit


def fill_frame(table: str, good: pl.DataFrame) -> pl.DataFrame:
    """The set-based path (fast.py): the same rule over a frame whose reference ids are in."""
    rule = RULES.get(table)
    if rule is None or "unit_id" not in good.columns:
        return good
    blank = pl.col("r_unit_code").is_null()
    if not good.select(blank.any()).item():
        return good
    rows = good.filter(blank)
    candidates: list[pl.Expr] = []
    for attname in rule:
        ids = set(rows[attname].drop_nulls().to_list())
        found = _units_of(attname, ids)
        candidates.append(
            pl.col(attname).replace_strict(
                list(found), list(found.values()), default=None, return_dtype=pl.Int64
            )
        )
    filled = pl.coalesce(*candidates, pl.lit(default_unit_id(), dtype=pl.Int64))
    return good.with_columns(
        pl.when(blank).then(filled).otherwise(pl.col("unit_id")).alias("unit_id")
    )


def place_teams() -> int:
    """Teams without a unit sit at the deepest unit holding all their members; returns how
    many were placed."""
    placed = 0
    for team in Team.objects.filter(unit__isnull=True):
        units = [
            u.unit
            for u in User.objects.filter(team=team, unit__isnull=False).select_related("unit")
        ]
        unit = common_ancestor(units)  # type: ignore[arg-type]
        if unit is not None:
            Team.objects.filter(pk=team.pk).update(unit=unit)
            placed += 1
    return placed


def unit_rows(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """An org_units table as rows for ``core.org.load_units``."""
    return frame.cast(pl.String).to_dicts()
