"""Alliance settings with documented defaults (docs/alliance.md).

A deployment overrides any of them in ``settings.CARECIRCLE["ALLIANCE"]``.
"""

from __future__ import annotations

from typing import Any

from carecircle.core.conf import AppSettings

DEFAULTS: dict[str, Any] = {
    # A merchant may reverse its own redemption this many hours after it (with a reason).
    "REVERSAL_WINDOW_HOURS": 24,
    # Code guessing: this many *unknown* codes per merchant user within the window → refused
    # until the window has passed (every refusal is logged; "used", "expired" and mistyped
    # codes are logged but do not count: a double scan is not a guess).
    "GUESS_LIMIT": 10,
    "GUESS_WINDOW_MINUTES": 15,
    # Merchants are flagged for review below these marks (with enough ratings / bookings).
    "MIN_RATING": 3.5,
    "MAX_COMPLAINT_RATE": 0.05,
    "MAX_NO_SHOW_RATE": 0.20,
    "MIN_SAMPLE": 5,
    # Expiry reminders are the ecosystem's rule (ecosystem VOUCHER_LEAD_DAYS; tasks.py).
}

SETTINGS = AppSettings("ALLIANCE", DEFAULTS)
get = SETTINGS.get
