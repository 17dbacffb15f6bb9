"""State changes on claims, one module per use case. Each runs in one transaction with the claim
row locked, checks permission and the transition table, records the step (who/when/why) and
the audit row, and refreshes the claim's clocks.

- ``reporting``: report a claim (报案); ``screening``: review flags and the fast track after it;
- ``workflow``: ``transition``, one table of per-action ``effects`` beside ``rules.STEPS``;
- ``approval``: approve within authority, escalate above it; ``payment``: pay exactly once,
  advance payment, the recovery sweep; ``fast_track``: straight through to payment;
- ``documents``: photos and documents; ``notices``: the legal notices to the customer;
- ``feedback``: the customer's rating, a person's decision on a review flag;
- ``repairs``: discounted repairs and shop ratings; ``shop_portal``: the shop's steps;
- ``clocks``: one claim's clocks and the nightly re-evaluation; ``timeline``, ``locks``,
  ``permissions``, ``inputs``: what the use cases share.

The names below are the package's public surface (``services.transition(…)``, …).
"""

from .approval import Outcome, approve
from .clocks import refresh_clocks
from .documents import upload_documents
from .feedback import rate, review_flag
from .payment import pay, pay_advance, settle_approved
from .permissions import is_own_customer
from .reporting import report_claim
from .screening import screen, screen_pending
from .workflow import transition

__all__ = [
    "Outcome",
    "approve",
    "is_own_customer",
    "pay",
    "pay_advance",
    "rate",
    "refresh_clocks",
    "report_claim",
    "review_flag",
    "screen",
    "screen_pending",
    "settle_approved",
    "transition",
    "upload_documents",
]
