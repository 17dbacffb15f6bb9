"""``carecircle claims bank-return FILE [--bank CODE] --user NAME``: import the bank's return
file; each line confirms or returns one payment. The same file twice changes nothing. Prints
one JSON object: confirmed, returned, unchanged, errors, and whether it was seen before."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import CommandError

from carecircle.core.errors import DomainError

from .bank_batch import user_named

NAME = "bank-return"
HELP = "导入银行回盘文件 / import the bank's return file"


def add_arguments(parser) -> None:
    parser.add_argument("file", help="the return file")
    parser.add_argument("--bank", default=None, help="bank layout code (default: DEFAULT_BANK)")
    parser.add_argument("--user", required=True, help="the claims user who imports it (audited)")


def run(command, options) -> None:
    from carecircle.claims.services import bank

    path = Path(options["file"])
    if not path.is_file():
        raise CommandError(f"no file {path}")
    try:
        result = bank.import_returns(
            path.read_bytes(),
            file_name=path.name,
            acting_user=user_named(options["user"]),
            bank_code=options["bank"],
        )
    except DomainError as exc:
        raise CommandError(exc.message) from exc
    r = result.record
    command.stdout.write(
        json.dumps(
            {
                "import": r.pk,
                "already_imported": result.already,
                "lines": r.lines,
                "confirmed": 0 if result.already else r.confirmed,
                "returned": 0 if result.already else r.returned,
                "unchanged": r.lines if result.already else r.unchanged,
                "errors": [] if result.already else r.errors,
            },
            ensure_ascii=False,
        )
    )
