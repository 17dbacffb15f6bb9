"""The organisation tree (机构): creating units, moving a unit or a person — each audited.

A unit's subtree is ``path__startswith`` (``OrgUnit.path``); moving a unit rewrites the paths
of its whole subtree in one statement per row, inside one transaction, under a lock on the
unit, so scopes never see a half-moved tree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from . import audit
from .conf import AppSettings
from .errors import DomainError
from .models import AuditLog, OrgUnit, UnitLevel, User
from .roles import STAFF_ROLES

# The root unit a new installation starts with (code, name); top level of settings.CARECIRCLE.
setting = AppSettings(None, {"HEAD_OFFICE": ("00000000", "总公司")}).get

LEVELS = [UnitLevel.HEAD_OFFICE, UnitLevel.PROVINCE, UnitLevel.CITY, UnitLevel.SUB_BRANCH]


def head_office() -> OrgUnit:
    """The root unit; created from the setting the first time it is asked for."""
    root = OrgUnit.objects.filter(parent__isnull=True).order_by("pk").first()
    if root is not None:
        return root
    code, name = setting("HEAD_OFFICE")
    return OrgUnit.objects.create(code=code, name=name, level=UnitLevel.HEAD_OFFICE)


def _check_level(level: str, parent: OrgUnit | None) -> None:
    if parent is None:
        if level != UnitLevel.HEAD_OFFICE:
            raise DomainError(
                "head_office_only_root",
                _("只有总公司没有上级机构 / only the head office has no parent"),
            )
        return
    if LEVELS.index(UnitLevel(level)) <= LEVELS.index(UnitLevel(parent.level)):
        raise DomainError(
            "unit_level",
            _(
                "下级机构的层级须低于上级 / a unit must sit below its parent's level: %(level)s under %(parent)s"
            )
            % {"level": level, "parent": parent.level},
        )


@transaction.atomic
def create_unit(
    *, code: str, name: str, level: str, parent: OrgUnit | None, by=None, **more
) -> OrgUnit:
    _check_level(level, parent)
    if parent is not None:
        parent = OrgUnit.objects.get(pk=parent.pk)  # its path as stored now
    if OrgUnit.objects.filter(code=code).exists():
        raise DomainError(
            "unit_code_taken",
            _("机构代码已存在 / unit code already exists: %(code)s") % {"code": code},
        )
    unit = OrgUnit.objects.create(code=code, name=name, level=level, parent=parent, **more)
    audit.record(by, AuditLog.Action.CREATE, unit, summary=f"unit {code} {name} under {parent}")
    return unit


@transaction.atomic
def move_unit(unit: OrgUnit, new_parent: OrgUnit, *, by, reason: str = "") -> OrgUnit:
    """Move ``unit`` (and everything under it) below ``new_parent``; audited."""
    unit = OrgUnit.objects.select_for_update().get(pk=unit.pk)
    if unit.parent_id is None:
        raise DomainError("head_office_fixed", _("总公司不能移动 / the head office cannot move"))
    new_parent = OrgUnit.objects.get(pk=new_parent.pk)  # its path as stored now
    if new_parent.path.startswith(unit.path):
        raise DomainError(
            "unit_under_itself", _("不能移到自身或下级之下 / a unit cannot move under itself")
        )
    _check_level(unit.level, new_parent)
    old_path, new_path = unit.path, f"{new_parent.path}{unit.code}/"
    old_parent = unit.parent
    if old_parent is not None and old_parent.pk == new_parent.pk:
        raise DomainError(
            "unit_already_there",
            _("机构已在该上级之下 / the unit already sits under %(parent)s")
            % {"parent": new_parent},
        )
    subtree = OrgUnit.objects.filter(path__startswith=old_path)
    list(subtree.select_for_update().values_list("pk", flat=True))
    # One statement for the whole subtree: new prefix + the rest of each path.
    subtree.update(path=Concat(Value(new_path), Substr("path", len(old_path) + 1)))
    OrgUnit.objects.filter(pk=unit.pk).update(parent=new_parent)
    unit.refresh_from_db()
    audit.record(
        by,
        AuditLog.Action.UPDATE,
        unit,
        summary=f"unit {unit.code} moved: {old_parent} → {new_parent}. {reason}".strip(),
        changes={"parent": [str(old_parent), str(new_parent)], "path": [old_path, new_path]},
    )
    return unit


@transaction.atomic
def place_user(user: User, unit: OrgUnit, *, by, reason: str = "") -> User:
    """Put a staff member in ``unit`` (a transfer between branches); audited."""
    if user.role not in STAFF_ROLES:
        raise DomainError(
            "not_staff", _("只有内部员工属于机构 / only insurer staff belong to a unit")
        )
    if not unit.active:
        raise DomainError(
            "unit_inactive", _("机构已停用 / the unit is not active: %(unit)s") % {"unit": unit}
        )
    if user.unit_id == unit.pk:
        raise DomainError(
            "already_in_unit",
            _("%(user)s 已在该机构 / %(user)s already sits in %(unit)s")
            % {"user": user, "unit": unit},
        )
    before = user.unit
    user.unit = unit
    user.save(update_fields=["unit"])
    user.__dict__.pop("_unit_subtree", None)
    audit.record(
        by,
        AuditLog.Action.UPDATE,
        user,
        summary=f"{user} moved to unit {unit.code}. {reason}".strip(),
        changes={"unit": [str(before) if before else None, str(unit)]},
    )
    return user


def unit_choices(user=None) -> list[OrgUnit]:
    """The units a user may filter by: their subtree (every unit for head office)."""
    units = OrgUnit.objects.filter(active=True)
    if user is not None and not user.is_superuser and getattr(user, "unit_id", None):
        units = units.filter(path__startswith=user.unit.path)
    return list(units.order_by("path"))


def common_ancestor(units: list[OrgUnit]) -> OrgUnit | None:
    """The deepest unit holding every one of ``units`` (``None`` for none)."""
    if not units:
        return None
    chains = [u.path.strip("/").split("/") for u in units]
    shared = chains[0]
    for chain in chains[1:]:
        depth = 0
        while depth < min(len(shared), len(chain)) and shared[depth] == chain[depth]:
            depth += 1
        shared = shared[:depth]
    if not shared:
        return None
    return OrgUnit.objects.get(code=shared[-1])


# -- loading a tree from a file (``carecircle org load``, the importer's org_units table) --

ROW_FIELDS = ("code", "name", "level", "parent_code", "province", "city")


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    moved: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (row, code, message)

    @property
    def rejected(self) -> int:
        return len({row for row, _, _ in self.errors})

    def counts(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "moved": self.moved,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
        }


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _row_problem(row: dict, seen: set[str]) -> str | None:
    code, name, level = _text(row.get("code")), _text(row.get("name")), _text(row.get("level"))
    if not code:
        return _("机构代码不能为空 / code is required")
    if len(code) > 16:
        return _("机构代码最长16位 / a unit code has at most 16 characters")
    if not name:
        return _("机构名称不能为空 / name is required")
    if level not in UnitLevel.values:
        return _("层级须为 %(levels)s 之一 / level must be one of %(levels)s: %(level)s") % {
            "levels": ", ".join(UnitLevel.values),
            "level": level,
        }
    if code in seen:
        return _("文件中重复的机构代码 / unit code repeated in this file")
    return None


@transaction.atomic
def load_units(rows: list[dict], *, by=None, reason: str = "") -> LoadResult:
    """Create or update units from rows of ``code, name, level, parent_code`` (``province``,
    ``city`` optional), in any order. Idempotent: a unit already as described is unchanged; a
    new name, province or city is an audited update; a new parent an audited move
    (:func:`move_unit`). A row whose level does not sit below its parent's, whose parent is
    neither stored nor in the file, or that would make a second head office is rejected with
    its row number (1 = the first data row); the rest still load."""
    result = LoadResult()
    wanted: dict[str, tuple[int, dict]] = {}
    for index, raw in enumerate(rows, start=1):
        number = int(raw.get("__row") or index)  # the importer's row number when it has one
        problem = _row_problem(raw, set(wanted))
        if problem:
            result.errors.append((number, _text(raw.get("code")), problem))
            continue
        wanted[_text(raw["code"])] = (number, {k: _text(raw.get(k)) for k in ROW_FIELDS})
    stored = {u.code: u for u in OrgUnit.objects.filter(code__in=wanted)}
    root = OrgUnit.objects.filter(parent__isnull=True).order_by("pk").first()
    done: set[str] = set()
    failed: set[str] = set()

    def reject(number: int, code: str, message: str) -> None:
        result.errors.append((number, code, message))
        failed.add(code)

    def place(code: str, trail: tuple[str, ...] = ()) -> OrgUnit | None:
        """Load ``code`` after its parent (recursively); ``None`` when it was rejected."""
        nonlocal root
        if code in done:
            return stored.get(code)
        if code in failed:
            return None
        number, row = wanted[code]
        parent_code = row["parent_code"]
        parent: OrgUnit | None = None
        if parent_code:
            if parent_code in trail or parent_code == code:
                reject(number, code, _("上级机构形成环 / the parent chain loops back to itself"))
                return None
            if parent_code in wanted:
                parent = place(parent_code, (*trail, code))
                if parent is None:
                    reject(
                        number,
                        code,
                        _("上级机构已被拒 / the parent unit was rejected: %(code)s")
                        % {"code": parent_code},
                    )
                    return None
            else:
                parent = OrgUnit.objects.filter(code=parent_code).first()
                if parent is None:
                    reject(
                        number,
                        code,
                        _("上级机构不存在 / no such parent unit: %(code)s") % {"code": parent_code},
                    )
                    return None
        elif root is not None and root.code != code:
            reject(
                number,
                code,
                _("已有总公司 %(root)s / there is already a head office: %(root)s")
                % {"root": root},
            )
            return None
        try:
            _check_level(row["level"], parent)
        except DomainError as exc:
            reject(number, code, str(exc))
            return None
        unit = stored.get(code)
        more = {"province": row["province"], "city": row["city"]}
        try:
            if unit is None:
                unit = create_unit(
                    code=code, name=row["name"], level=row["level"], parent=parent, by=by, **more
                )
                result.created += 1
                if parent is None:
                    root = unit
            else:
                unit = _update(unit, row, parent, by=by, reason=reason, result=result)
        except DomainError as exc:
            reject(number, code, str(exc))
            return None
        stored[code] = unit
        done.add(code)
        return unit

    for code in wanted:
        place(code)
    result.errors.sort()
    return result


def _update(unit: OrgUnit, row: dict, parent: OrgUnit | None, *, by, reason, result) -> OrgUnit:
    if row["level"] != unit.level:
        below = OrgUnit.objects.filter(parent=unit).values_list("level", flat=True)
        for level in set(below):
            _check_level(level, OrgUnit(level=row["level"]))
    moved = parent is not None and unit.parent_id != parent.pk
    if moved and unit.parent_id is None:
        raise DomainError("head_office_fixed", _("总公司不能移动 / the head office cannot move"))
    before = {k: getattr(unit, k) for k in ("name", "level", "province", "city")}
    after = {k: row[k] for k in before}
    changes = audit.diff(before, after)
    if changes:  # the new level was checked against the (new) parent by the caller
        for k, v in after.items():
            setattr(unit, k, v)
        unit.save(update_fields=list(changes))
        audit.record(
            by,
            AuditLog.Action.UPDATE,
            unit,
            summary=f"unit {unit.code} updated. {reason}".strip(),
            changes=changes,
        )
        result.updated += 1
    if moved:
        assert parent is not None
        unit = move_unit(unit, parent, by=by, reason=reason or "org load")
        result.moved += 1
    if not changes and not moved:
        result.unchanged += 1
    return unit
