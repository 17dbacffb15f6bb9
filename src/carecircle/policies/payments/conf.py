"""Proposal and payment settings (docs/payments.md), overridden in
``settings.CARECIRCLE["PAYMENTS"]`` through ``core.conf.AppSettings``."""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings

from carecircle.core.conf import AppSettings

DEFAULTS: dict[str, Any] = {
    # The payment gateway adapter (dotted path to a class implementing payments.base.Gateway).
    # Real vendors (WeChat Pay, Alipay, issue #22) slot in here.
    "GATEWAY": "carecircle.policies.payments.simulator.SimulatorGateway",
    # Shared secret for the HMAC-SHA256 signature of payment notifications. Empty: derived
    # from SECRET_KEY (fine for the simulator; a real gateway's key is set per deployment).
    "WEBHOOK_SECRET": "",
    # A notification whose timestamp is further than this from our clock is refused (replay).
    "WEBHOOK_TOLERANCE_SECONDS": 300,
    # How long a renewal offer stays open for payment.
    "OFFER_DAYS": 7,
    # ... but never past the old policy's expiry plus these days. 0: the offer ends when the old
    # cover ends, so a paid renewal always starts where the old policy stopped (no gap, no
    # cover back-dated); a later payment would need a new quote.
    "OFFER_GRACE_DAYS": 0,
    # The simulator's pay page calls our notification endpoint over HTTP at this base URL
    # (blank: the host the customer's browser used).
    "SIMULATOR_NOTIFY_BASE_URL": "",
}

SETTINGS = AppSettings("PAYMENTS", DEFAULTS)
get = SETTINGS.get


def webhook_secret() -> bytes:
    configured = get("WEBHOOK_SECRET")
    if configured:
        return str(configured).encode()
    return hashlib.sha256(b"carecircle.payments.webhook|" + settings.SECRET_KEY.encode()).digest()
