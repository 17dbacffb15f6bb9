"""An import-linter contract: no import inside a function may cross from one app to another
unless the contract lists it with a reason.

Layer contracts see function-local imports too, so a local import cannot hide a cycle; this
contract keeps them rare and explained, because a local import is where a dependency hides
from a reader. An entry of ``allowed`` reads ``importer -> imported : reason``; an entry that
no longer matches an import breaks the contract too, so the list never goes stale.
"""

from __future__ import annotations

import ast
import importlib.util
from dataclasses import dataclass
from pathlib import Path

from importlinter import Contract, ContractCheck, fields, output


@dataclass(frozen=True)
class LocalImport:
    importer: str
    imported: str
    line: int


def _app(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _source(module: str) -> Path | None:
    """The file of ``module``, found without importing it (app packages need Django set up)."""
    root, *rest = module.split(".")
    spec = importlib.util.find_spec(root)
    if spec is None or not spec.submodule_search_locations:
        return None
    base = Path(next(iter(spec.submodule_search_locations)), *rest)
    for candidate in (base / "__init__.py", base.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


def local_imports(module: str) -> list[LocalImport]:
    """Imports made inside a function body of ``module``, with their resolved targets."""
    path = _source(module)
    if path is None:
        return []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_package = path.name == "__init__.py"
    found: list[LocalImport] = []
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                targets = [_resolve(module, is_package, node)]
            else:
                continue
            found += [LocalImport(module, target, node.lineno) for target in targets]
    return list(dict.fromkeys(found))  # nested functions are walked twice


class LocalImportsContract(Contract):
    """Options: ``root`` (the package) and ``allowed`` (``importer -> imported : reason``)."""

    root = fields.StringField()
    allowed = fields.ListField(subfield=fields.StringField(), required=False, default=[])

    def _allowed(self) -> dict[tuple[str, str], str]:
        entries: dict[tuple[str, str], str] = {}
        for entry in self.allowed:  # type: ignore[attr-defined]
            pair, _, reason = entry.partition(":")
            importer, _, imported = pair.partition("->")
            if not reason.strip() or not imported.strip():
                raise ValueError(f"allowed entry needs 'importer -> imported : reason': {entry}")
            entries[(importer.strip(), imported.strip())] = reason.strip()
        return entries

    def check(self, graph, verbose: bool) -> ContractCheck:
        root = str(self.root)  # type: ignore[attr-defined]
        allowed = self._allowed()
        crossing: list[LocalImport] = []
        for module in sorted(graph.modules):
            if not module.startswith(f"{root}.") or ".migrations" in module:
                continue
            for found in local_imports(module):
                if not found.imported.startswith(f"{root}."):
                    continue
                if _app(found.imported) != _app(found.importer):
                    crossing.append(found)
        used = {(c.importer, c.imported) for c in crossing}
        unlisted = [c for c in crossing if (c.importer, c.imported) not in allowed]
        stale = sorted(pair for pair in allowed if pair not in used)
        return ContractCheck(
            kept=not unlisted and not stale,
            metadata={"unlisted": unlisted, "stale": stale},
        )

    def render_broken_contract(self, check: ContractCheck) -> None:
        for found in check.metadata["unlisted"]:
            output.print_error(
                f"{found.importer}:{found.line} imports {found.imported} inside a function "
                "(move it to the top of the module, or list it with a reason)"
            )
        for importer, imported in check.metadata["stale"]:
            output.print_error(f"listed but no longer imported locally: {importer} -> {imported}")
        output.new_line()
