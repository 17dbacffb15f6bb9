"""``carecircle org``: the organisation tree (机构) from the command line.

    carecircle org tree [--json] [--unit CODE]      the tree with staff/customers/policies per unit
    carecircle org load FILE [--by USERNAME]        CSV or TOML of code,name,level,parent_code
    carecircle org move UNIT NEW_PARENT --by USERNAME --reason TEXT
    carecircle org place USERNAME UNIT --by USERNAME --reason TEXT

``load`` is idempotent (a unit already as described is left alone; a new parent is an audited
move) and checks levels (总公司 → 分公司 → 中心支公司 → 支公司/营业部, each below its parent).
``move`` and ``place`` are audited with the acting user and the reason (``core.org``). The
command lives in desk because the counts read parties and policies.
"""

from __future__ import annotations

import csv
import json
import tomllib
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from carecircle.core.errors import DomainError
from carecircle.core.models import OrgUnit, User
from carecircle.core.org import load_units, move_unit, place_user
from carecircle.core.roles import Perm, has_perm
from carecircle.desk.selectors.org_tree import FIGURES, org_tree


def read_units(path: Path) -> list[dict]:
    """Rows of a CSV file (header ``code,name,level,parent_code[,province,city]``; UTF-8, a BOM
    allowed) or a TOML file (``[[unit]]`` tables with the same keys)."""
    if not path.exists():
        raise CommandError(f"文件不存在 / no such file: {path}")
    if path.suffix.lower() == ".toml":
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise CommandError(f"TOML 格式错误 / not valid TOML: {exc}") from exc
        rows = data.get("unit", data.get("units"))
        if not isinstance(rows, list):
            raise CommandError("TOML 须有 [[unit]] 表 / the TOML file needs [[unit]] tables")
        return rows
    if path.suffix.lower() not in (".csv", ".txt"):
        raise CommandError(f"请用 CSV 或 TOML / use CSV or TOML: {path.name}")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = {"code", "name", "level", "parent_code"} - set(reader.fieldnames or ())
        if missing:
            raise CommandError(
                f"缺少必需列 / required columns missing: {', '.join(sorted(missing))}"
            )
        return [dict(row, __row=number) for number, row in enumerate(reader, start=2)]


class Command(BaseCommand):
    help = "The organisation tree: tree, load, move, place / 机构树：查看、导入、移动机构、调动人员"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        tree = sub.add_parser("tree", help="print the tree with counts per unit")
        tree.add_argument("--json", action="store_true")
        tree.add_argument("--unit", help="only this unit's subtree (a unit code)")
        load = sub.add_parser("load", help="create or update units from a CSV or TOML file")
        load.add_argument("file", type=Path)
        load.add_argument("--by", help="acting username (audit)")
        load.add_argument("--reason", default="org load")
        move = sub.add_parser("move", help="move a unit and its subtree under a new parent")
        move.add_argument("unit_code")
        move.add_argument("new_parent_code")
        move.add_argument("--by", required=True)
        move.add_argument("--reason", required=True)
        place = sub.add_parser("place", help="put a staff member in a unit")
        place.add_argument("username")
        place.add_argument("unit_code")
        place.add_argument("--by", required=True)
        place.add_argument("--reason", required=True)

    def handle(self, *args, **options):
        action = options["action"]
        try:
            getattr(self, f"_{action}")(options)
        except DomainError as exc:
            raise CommandError(exc.message) from exc

    # -- helpers --
    @staticmethod
    def _unit(code: str) -> OrgUnit:
        unit = OrgUnit.objects.filter(code=code).first()
        if unit is None:
            raise CommandError(f"机构不存在 / no such unit: {code}")
        return unit

    @staticmethod
    def _user(username: str | None, what: str = "--by") -> User | None:
        if not username:
            return None
        user = User.objects.filter(username=username).select_related("unit").first()
        if user is None:
            raise CommandError(f"用户不存在 / no such user ({what}): {username}")
        return user

    # -- actions --
    def _tree(self, options) -> None:
        tree = org_tree()
        rows = tree.rows
        if options["unit"]:
            top = self._unit(options["unit"])
            rows = [r for r in rows if r.unit.path.startswith(top.path)]
            base = min(r.depth for r in rows)
            for r in rows:
                r.depth -= base
        if options["json"]:
            data = tree.as_dict()
            data["units"] = [r.as_dict() for r in rows]
            self.stdout.write(json.dumps(data, ensure_ascii=False))
            return
        width = max((2 * r.depth + len(r.unit.name) * 2 for r in rows), default=10) + 2
        self.stdout.write(
            f"{'code':<10}{'unit':<{width}}"
            + "".join(f"{name:>12}" for name in FIGURES)
            + "   (unit and everything below)"
        )
        for r in rows:
            label = "  " * r.depth + r.unit.name + ("" if r.unit.active else " (inactive)")
            pad = width - len(label) - sum(1 for ch in label if ord(ch) > 0x2E80)
            figures = "".join(f"{r.total[name]:>12,}" for name in FIGURES)
            self.stdout.write(f"{r.unit.code:<10}{label}{' ' * max(pad, 1)}{figures}")
        if tree.whole and not options["unit"] and any(tree.without_unit.values()):
            figures = "".join(f"{tree.without_unit[name]:>12,}" for name in FIGURES)
            label = "无机构 / no unit"
            self.stdout.write(f"{'-':<10}{label:<{width - 4}}{figures}")
        self.stdout.write(f"{len(rows)} units")

    def _load(self, options) -> None:
        by = self._user(options["by"])
        result = load_units(read_units(options["file"]), by=by, reason=options["reason"])
        for row, code, message in result.errors:
            self.stderr.write(f"row {row} {code}: {message}")
        self.stdout.write(json.dumps(result.counts()))
        if result.errors:
            raise CommandError(f"{result.rejected} rows rejected / {result.rejected} 行被拒")

    def _acting(self, username: str) -> User:
        by = self._user(username)
        assert by is not None
        if not has_perm(by, Perm.VIEW_AUDIT):
            raise CommandError(
                f"{username} 无权调整机构 / may not change the tree (needs {Perm.VIEW_AUDIT})"
            )
        return by

    def _move(self, options) -> None:
        by = self._acting(options["by"])
        unit = move_unit(
            self._unit(options["unit_code"]),
            self._unit(options["new_parent_code"]),
            by=by,
            reason=options["reason"],
        )
        self.stdout.write(f"{unit} → {unit.path}")

    def _place(self, options) -> None:
        by = self._acting(options["by"])
        user = self._user(options["username"], "username")
        assert user is not None
        user = place_user(user, self._unit(options["unit_code"]), by=by, reason=options["reason"])
        self.stdout.write(f"{user.username} → {user.unit}")
