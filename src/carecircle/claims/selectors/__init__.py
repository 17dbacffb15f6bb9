"""Reads for the claims pages, the API, the reports and the services; ``restrict`` applied to
everything a user sees.

- ``claims``: a user's claims, the worklist, the approver's queue, the customer's progress;
- ``reports`` (+ ``breakdowns``): the dashboard and the claims report;
- ``network``: network shops and their load, the “should I claim?” calculator;
- ``shop_portal``: the claims referred to a repair shop;
- ``screening``: the facts screening decides on (cover history, tier, admin rules).

The names below are the package's public surface (``selectors.worklist(…)``, …).
"""

from .claims import (
    CHECKING,
    NEXT_STEP_FOR_CUSTOMER,
    ProgressStep,
    approval_queue,
    claims_for,
    next_step_for_customer,
    progress,
    worklist,
)
from .reports import dashboard, report

__all__ = [
    "CHECKING",
    "NEXT_STEP_FOR_CUSTOMER",
    "ProgressStep",
    "approval_queue",
    "claims_for",
    "dashboard",
    "next_step_for_customer",
    "progress",
    "report",
    "worklist",
]
