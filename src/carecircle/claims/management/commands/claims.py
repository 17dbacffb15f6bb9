"""``carecircle claims <subcommand> …``: one command, one module per subcommand in
``carecircle.claims.cli`` (each defines ``NAME``, ``HELP``, ``add_arguments(parser)`` and
``run(command, options)``). Adding a subcommand is adding a module to ``SUBCOMMANDS``."""

from __future__ import annotations

import importlib

from django.core.management.base import BaseCommand, CommandParser

SUBCOMMANDS: list[str] = [
    # payees and the bank (#16, ADR 0016)
    "carecircle.claims.cli.bank_batch",
    "carecircle.claims.cli.bank_return",
    # reserves as movements (#16, ADR 0015)
    "carecircle.claims.cli.reserves",
    "carecircle.claims.cli.backfill_ledger",
]


def _modules():
    return [importlib.import_module(name) for name in SUBCOMMANDS]


class Command(BaseCommand):
    help = "理赔 / claims: " + ", ".join(m.NAME for m in _modules())

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        for module in _modules():
            p = sub.add_parser(module.NAME, help=module.HELP)
            module.add_arguments(p)

    def handle(self, *args, **options):
        by_name = {m.NAME: m for m in _modules()}
        return by_name[options["subcommand"]].run(self, options)
