"""``carecircle claims bank-batch [--bank CODE] [--out PATH] --user NAME``: every approved
payment with an account, in the user's unit, leaves in one batch file laid out for ``CODE``
(docs/payments-bank.md). Prints one JSON object: the batch's file, hash, count and total."""

from __future__ import annotations

import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from carecircle.core.errors import DomainError

NAME = "bank-batch"
HELP = "生成银行批量支付文件 / write the bank batch file of approved payments"


def add_arguments(parser) -> None:
    parser.add_argument("--bank", default=None, help="bank layout code (default: DEFAULT_BANK)")
    parser.add_argument("--out", default=None, help="where to write the file (default: its name)")
    parser.add_argument("--user", required=True, help="the claims user who sends it (audited)")


def user_named(username: str):
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"no active user {username!r}")
    return user


def run(command, options) -> None:
    from carecircle.claims.services import bank

    try:
        batch = bank.export_batch(
            acting_user=user_named(options["user"]), bank_code=options["bank"]
        )
    except DomainError as exc:
        raise CommandError(exc.message) from exc
    out = Path(options["out"] or batch.file_name)
    out.write_bytes(batch.file_bytes())
    command.stdout.write(
        json.dumps(
            {
                "batch": batch.pk,
                "file": str(out),
                "bank": batch.bank_code,
                "encoding": batch.encoding,
                "sha256": batch.file_hash,
                "count": batch.count,
                "total": str(batch.total),
            },
            ensure_ascii=False,
        )
    )
