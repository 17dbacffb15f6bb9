"""``carecircle claims backfill-ledger``: the reserve ledger and the payments of claims loaded
without them (``claims.services.backfill``; idempotent). Every bulk load runs it itself."""

from __future__ import annotations

from carecircle.claims.services.backfill import backfill_ledger

NAME = "backfill-ledger"
HELP = "为导入的赔案补建准备金变动与支付记录 / opening movements and payments for loaded claims"


def add_arguments(parser) -> None:
    pass


def run(command, options) -> None:
    done = backfill_ledger()
    command.stdout.write(
        f"{done.payments} payments, {done.movements} opening movements, "
        f"{done.cleared} closed claims' reserves cleared"
    )
