"""State changes of the alliance, one module per use case.  Each change runs in one
transaction, checks the acting user's permission and writes the audit record.

- ``issuing``: entitlement vouchers for a policy year, manual issue, cancel, nightly expiry
  (the whole book at once is ``alliance.bulk``);
- ``redemption``: redeem exactly once, the guessing brake and its log, reversal;
- ``bookings``: book a visit, mark it attended or no-show, rate the service used;
- ``settlement``: monthly statements — build, dispute, adjust, approve, mark paid;
- ``common``: the permission check they share.

The names below are the package's public surface (``services.redeem(…)``, …).
"""

from .bookings import book, mark_booking, rate
from .issuing import cancel_voucher, expire_vouchers, issue_for_policy, issue_manual
from .redemption import log_refusal, redeem, reverse
from .settlement import adjust, approve, build_statement, build_statements, dispute, mark_paid

__all__ = [
    "adjust",
    "approve",
    "book",
    "build_statement",
    "build_statements",
    "cancel_voucher",
    "dispute",
    "expire_vouchers",
    "issue_for_policy",
    "issue_manual",
    "log_refusal",
    "mark_booking",
    "mark_paid",
    "rate",
    "redeem",
    "reverse",
]
