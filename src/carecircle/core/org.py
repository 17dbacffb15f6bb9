"""The organisation tree (机构): creating units, moving a unit or a person — each audited.

A unit's subtree is ``path__startswith`` (``OrgUnit.path``); moving a unit rewrites the paths
of its whole subtree in one statement per row, inside one transaction, under a lock on the
unit, so scopes never see a half-moved tree.
"""

from __future__ import annotations

from django.db import transaction
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
            raise DomainError(_("只有总公司没有上级机构 / only the head office has no parent"))
        return
    if LEVELS.index(UnitLevel(level)) <= LEVELS.index(UnitLevel(parent.level)):
        raise DomainError(
            _(
                "下级机构的层级须低于上级 / a unit must sit below its parent's level: %(level)s under %(parent)s"
            )
            % {"level": level, "parent": parent.level}
        )


@transaction.atomic
def create_unit(
    *, code: str, name: str, level: str, parent: OrgUnit | None, by=None, **more
) -> OrgUnit:
    _check_level(level, parent)
    if OrgUnit.objects.filter(code=code).exists():
        raise DomainError(_("机构代码已存在 / unit code already exists: %(code)s") % {"code": code})
    unit = OrgUnit.objects.create(code=code, name=name, level=level, parent=parent, **more)
    audit.record(by, AuditLog.Action.CREATE, unit, summary=f"unit {code} {name} under {parent}")
    return unit


@transaction.atomic
def move_unit(unit: OrgUnit, new_parent: OrgUnit, *, by, reason: str = "") -> OrgUnit:
    """Move ``unit`` (and everything under it) below ``new_parent``; audited."""
    unit = OrgUnit.objects.select_for_update().get(pk=unit.pk)
    if new_parent.path.startswith(unit.path):
        raise DomainError(_("不能移到自身或下级之下 / a unit cannot move under itself"))
    _check_level(unit.level, new_parent)
    old_path, new_path = unit.path, f"{new_parent.path}{unit.code}/"
    old_parent = unit.parent
    for child in OrgUnit.objects.select_for_update().filter(path__startswith=old_path):
        child.path = new_path + child.path[len(old_path) :]
        child.save(update_fields=["path"])
    unit.refresh_from_db()
    unit.parent = new_parent
    unit.save(update_fields=["parent"])
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
        raise DomainError(_("只有内部员工属于机构 / only insurer staff belong to a unit"))
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
