"""Touchpoint settings: defaults here, overridden by ``settings.CARECIRCLE["TOUCHPOINTS"]``."""

from __future__ import annotations

from typing import Any

from carecircle.core.conf import AppSettings

DEFAULTS: dict[str, Any] = {
    # Hours to resolve a complaint by severity (*setting*; the regulator's outer limit for
    # a written answer is 15 days, extendable to 30 for complex cases).
    "COMPLAINT_HOURS": {"critical": 24, "high": 72, "normal": 168, "low": 360},
    # Categories and channels that are at least "high" (regulatory hot spots).
    "HIGH_CATEGORIES": ("telesales_harassment", "auto_renewal", "privacy"),
    "HIGH_CHANNELS": ("regulator", "social"),
    # Past the deadline: up one level, new owner, this many more hours; at most MAX levels.
    "ESCALATION_HOURS": 48,
    "ESCALATION_MAX_LEVEL": 2,
    # A resolved complaint the customer does not answer may be closed after these days.
    "CONFIRMATION_DAYS": 7,
    # A telesales-harassment complaint puts the customer on do-not-call for this many days.
    "HARASSMENT_DO_NOT_CALL_DAYS": 365,
    # Surveys stay open this many days.
    "SURVEY_DAYS": 7,
}


SETTINGS = AppSettings("TOUCHPOINTS", DEFAULTS)
get = SETTINGS.get
