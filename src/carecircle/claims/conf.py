"""Claims settings with documented defaults (DOMAIN.md, docs/claims.md).

A deployment overrides any of them in ``settings.CARECIRCLE["CLAIMS"]``; values are read at
call time so an override (or a test's ``override_settings``) applies at once. Rules an
administrator edits day to day (fast track, approval authority) are models instead.
"""

from __future__ import annotations

from typing import Any

from carecircle.core.conf import AppSettings

DEFAULTS: dict[str, Any] = {
    # Insurance Law arts 22-25: calendar days, the last day moved past a day off (Civil Code
    # arts 200-204; claims.clocks.legal_deadline). The days off come from the loaded State
    # Council schedules (`carecircle calendar load YEAR`), not from settings.
    "DECISION_DAYS": 30,
    "PAYMENT_DAYS": 10,
    "REJECTION_NOTICE_DAYS": 3,
    "ADVANCE_PAYMENT_DAYS": 60,
    # Art 26: reports more than 2 years after the accident are time-barred.
    "TIME_BAR_DAYS": 730,
    # Warn this many working days before a clock runs out.
    "WARNING_DAYS": 2,
    # Service promise (report → payment) per amount band: (upper bound in yuan, working days);
    # None = no upper bound. Injury claims get INJURY_PROMISE_DAYS.
    "PROMISE_BANDS": [("2000", 1), ("5000", 3), ("10000", 7), (None, 10)],
    "INJURY_PROMISE_DAYS": 30,
    # Compulsory insurance (交强险) limits, driver at fault / not at fault.
    "COMPULSORY_LIMITS": {
        "at_fault": {"death_disability": "180000", "medical": "18000", "property": "2000"},
        "not_at_fault": {"death_disability": "18000", "medical": "1800", "property": "100"},
    },
    # 互碰自赔: each car's damage at most this much.
    "MUTUAL_COLLISION_MAX": "2000",
    # Approval authority when no ApprovalAuthority row exists (role → limit, None = no limit),
    # in escalation order.
    "APPROVAL_LIMITS": [("claims_approver", "50000"), ("manager", None)],
    # A handler's manual reserve revision larger than this (either way) waits for a claims
    # approver whose authority covers it (issue #16); approvers use their approval limit.
    "RESERVE_REVISION_LIMIT": "20000",
    # Fraud and leakage signals.
    "EARLY_CLAIM_DAYS": 30,
    "SAME_SHOP_CLAIMS": 3,
    "SAME_SHOP_DAYS": 365,
    "NIGHT_HOURS": (22, 5),
    "JUST_UNDER_SHARE": "0.05",
    # Uploads.
    "PHOTO_MAX_BYTES": 10 * 1024 * 1024,
    "UPLOAD_EXTENSIONS": ["jpg", "jpeg", "png", "webp", "pdf"],
    "UPLOAD_DIR": "claims/%Y/%m",
}


SETTINGS = AppSettings("CLAIMS", DEFAULTS)
get = SETTINGS.get
