"""The local-imports contract (tests/architecture/local_imports.py) on a package built for the
test: a function-local import across apps breaks it unless listed with a reason, and a listed
import that no longer exists breaks it too. (`lint-imports` itself runs once per test command,
in scripts/test, over the real apps.)"""

import grimp
import pytest

from tests.architecture.local_imports import LocalImportsContract, local_imports

FILES = {
    "shop/__init__.py": "",
    "shop/core/__init__.py": "",
    "shop/core/money.py": "def add(a, b):\n    return a + b\n",
    "shop/orders/__init__.py": "",
    "shop/orders/services.py": (
        "from shop.core import money\n\n\n"
        "def total(lines):\n"
        "    from shop.billing import invoice  # across apps, inside a function\n"
        "    from . import rules  # same app: allowed\n\n"
        "    return invoice.make(money.add(*lines), rules)\n"
    ),
    "shop/orders/rules.py": "",
    "shop/billing/__init__.py": "",
    "shop/billing/invoice.py": "def make(amount, rules):\n    return amount\n",
}


@pytest.fixture
def graph(tmp_path, monkeypatch):
    for name, text in FILES.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    graph = grimp.ImportGraph()
    for name in FILES:
        graph.add_module(name.removesuffix(".py").removesuffix("/__init__").replace("/", "."))
    return graph


def check(graph, allowed):
    contract = LocalImportsContract(
        name="local imports",
        session_options={},
        contract_options={"root": "shop", "allowed": allowed},
    )
    return contract.check(graph, verbose=False)


def test_local_imports_are_found_with_their_resolved_targets(graph):
    found = {(f.imported, f.line) for f in local_imports("shop.orders.services")}
    assert found == {("shop.billing", 5), ("shop.orders", 6)}


def test_an_unlisted_local_import_across_apps_breaks_the_contract(graph):
    result = check(graph, [])
    assert not result.kept
    assert [(f.importer, f.imported) for f in result.metadata["unlisted"]] == [
        ("shop.orders.services", "shop.billing")
    ]


def test_a_listed_local_import_with_a_reason_keeps_it(graph):
    assert check(graph, ["shop.orders.services -> shop.billing : billing sits above"]).kept


def test_a_listed_import_that_no_longer_exists_breaks_it(graph):
    result = check(
        graph,
        [
            "shop.orders.services -> shop.billing : billing sits above",
            "shop.orders.services -> shop.core.money : gone since it moved to the top",
        ],
    )
    assert (result.kept, result.metadata["stale"]) == (
        False,
        [("shop.orders.services", "shop.core.money")],
    )


def test_an_entry_without_a_reason_is_refused(graph):
    with pytest.raises(ValueError, match="needs 'importer -> imported : reason'"):
        check(graph, ["shop.orders.services -> shop.billing"])
