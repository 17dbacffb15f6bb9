"""Payees and the bank: settings with documented defaults (docs/payments-bank.md, ADR 0016).

A deployment overrides any of them in ``settings.CARECIRCLE["CLAIMS_BANK"]``; a bank's layout
is one entry of ``BANKS`` (a bank not listed uses ``DEFAULT``). Read at call time."""

from __future__ import annotations

from typing import Any

from carecircle.core.conf import AppSettings

# The columns a batch file may carry (docs/payments-bank.md): our reference for the line,
# the account, the amount and what the payment is for.
BATCH_COLUMNS = (
    "seq",
    "reference",
    "account_number",
    "holder_name",
    "bank_name",
    "branch_code",
    "amount",
    "currency",
    "purpose",
    "claim_no",
    "payee_kind",
    "date",
)
# The columns a return file may carry: our reference comes back with the bank's outcome.
RETURN_COLUMNS = (
    "reference",
    "status",
    "amount",
    "bank_ref",
    "reason_code",
    "reason_text",
    "date",
    "ignore",
)

DEFAULT_LAYOUT: dict[str, Any] = {
    "encoding": "utf-8",
    "header": True,
    "delimiter": ",",
    "date_format": "%Y-%m-%d",
    "columns": [
        "reference",
        "account_number",
        "holder_name",
        "bank_name",
        "branch_code",
        "amount",
        "currency",
        "purpose",
        "date",
    ],
    "return": {
        "encoding": "utf-8",
        "header": True,
        "delimiter": ",",
        "date_format": "%Y-%m-%d",
        "columns": ["reference", "status", "amount", "bank_ref", "reason_code", "reason_text"],
        # A status in ``success`` confirms the payment; one in ``returned`` returns it with
        # the bank's reason. Any other status (blank, "processing", an unknown code) is an
        # error line in the import: it changes nothing and is tried again on a re-import.
        "success": ["S", "0000", "SUCCESS"],
        "returned": ["F", "R", "FAIL", "FAILED", "RETURNED"],
    },
}

DEFAULTS: dict[str, Any] = {
    # Payments above this amount are released by a second person — not the one who made the
    # payment — within their approval authority (the claims approval ladder).
    "SECOND_APPROVAL_ABOVE": "10000",
    # A payment to an account nobody verified: "allow" (sent as it is, shown unverified),
    # "approver" (needs a second person's approval whatever the amount) or "refuse".
    "UNVERIFIED_ACCOUNTS": "approver",
    # Wrong confirmation amounts before the account must be verified another way.
    "CONFIRM_ATTEMPTS": 3,
    # The bank used when none is named (`carecircle claims bank-batch` without --bank).
    "DEFAULT_BANK": "DEFAULT",
    "BANKS": {
        "DEFAULT": DEFAULT_LAYOUT,
        # An example of a bank that wants GBK, no header, compact dates and fen-free amounts.
        "ICBC": {
            **DEFAULT_LAYOUT,
            "encoding": "gbk",
            "header": False,
            "date_format": "%Y%m%d",
            "columns": [
                "seq",
                "account_number",
                "holder_name",
                "amount",
                "branch_code",
                "bank_name",
                "purpose",
                "reference",
                "date",
            ],
            "return": {
                "encoding": "gbk",
                "header": False,
                "delimiter": ",",
                "date_format": "%Y%m%d",
                "columns": [
                    "reference",
                    "status",
                    "amount",
                    "bank_ref",
                    "reason_code",
                    "reason_text",
                ],
                "success": ["0000"],
                # an example: the bank's "failed, returned to payer" codes
                "returned": ["0001", "9999"],
            },
        },
    },
}


SETTINGS = AppSettings("CLAIMS_BANK", DEFAULTS)
get = SETTINGS.get


def layout(bank_code: str | None) -> tuple[str, dict[str, Any]]:
    """(bank code, its layout); an unnamed or unknown bank gets ``DEFAULT``'s."""
    banks: dict[str, Any] = get("BANKS")
    code = (bank_code or get("DEFAULT_BANK") or "DEFAULT").upper()
    return code, {**DEFAULT_LAYOUT, **banks.get("DEFAULT", {}), **banks.get(code, {})}
