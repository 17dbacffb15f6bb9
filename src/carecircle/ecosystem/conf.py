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
    # Commissions within 报行合一 (docs/commissions.md, ADR 0017). The commercial commission
    # may not exceed the rate filed with the product (a *setting* per product: product code →
    # the filed cap as a share of premium). Today the book has one commercial product, keyed
    # by the line; 0.15 sits inside DOMAIN.md's 25 % expense loading. 交强险's 4 % is the law
    # (policies.compulsory.COMMISSION_CAP), not a setting.
    "COMMISSION_FILED_RATES": {"commercial": "0.15"},
    # Loss-ratio bands (paid claims ÷ premium) for differentiated rates: below LOW is a
    # low-loss customer or partner, at or above HIGH a high-loss one (the motor market runs
    # at ≈ 74 %, DOMAIN.md). A customer's ratio reads the policies that started in the
    # look-back years before the month; a partner's or agent's book the months before it.
    "COMMISSION_LOSS_BANDS": {"low": "0.40", "high": "0.75"},
    "COMMISSION_CUSTOMER_LOOKBACK_YEARS": 3,
    "COMMISSION_PAYEE_LOOKBACK_MONTHS": 12,
}


SETTINGS = AppSettings("ECOSYSTEM", DEFAULTS)
get = SETTINGS.get
