"""Ecosystem settings: defaults here, overridden by ``settings.CARECIRCLE["ECOSYSTEM"]``."""

from __future__ import annotations

from typing import Any

from carecircle.core.conf import AppSettings

DEFAULTS: dict[str, Any] = {
    # Renewal reminders this many days before expiry (renewal calls start at 40 days).
    "RENEWAL_REMINDER_DAYS": (30, 7),
    "INSPECTION_LEAD_DAYS": 15,
    "MAINTENANCE_LEAD_DAYS": 7,
    "VOUCHER_LEAD_DAYS": 7,
    # Birthday greetings go to these tiers only (value.CustomerValue of the current run).
    "BIRTHDAY_TIERS": ("diamond", "platinum"),
    # Claim steps worth a message (status reached → words).
    "CLAIM_STEPS": {
        "registered": ("已立案", "registered"),
        "assessed": ("已定损", "loss assessed"),
        "approved": ("已核赔", "approved"),
        "paid": ("已支付赔款", "paid"),
        "closed": ("已结案", "closed"),
    },
}


SETTINGS = AppSettings("ECOSYSTEM", DEFAULTS)
get = SETTINGS.get
