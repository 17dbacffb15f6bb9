"""Policy rating settings: defaults here, overridden at the top level of
``settings.CARECIRCLE`` (book-wide: every app that prices or reprices a policy reads the same
figures) through ``core.conf.AppSettings``."""

from __future__ import annotations

from typing import Any

from carecircle.core.conf import AppSettings

# The post-2020 10-level commercial NCD ladder (无赔款优待系数), levels −4 … +5.
_TEN_LEVELS = {
    -4: "0.5",
    -3: "0.6",
    -2: "0.7",
    -1: "0.8",
    0: "1.0",
    1: "1.2",
    2: "1.4",
    3: "1.6",
    4: "1.8",
    5: "2.0",
}
# Beijing and Xiamen rate on 11 levels, −5 … +5 (0.4 for five clean insured years).
_ELEVEN_LEVELS = {-5: "0.4", **_TEN_LEVELS}

DEFAULTS: dict[str, Any] = {
    # The regulator's band for the autonomous pricing coefficient (自主定价系数).
    "AUTONOMOUS_PRICING_BAND": (0.5, 1.5),
    # Commercial NCD level → coefficient (无赔款优待系数) where no regional ladder applies.
    # level = claims − consecutive insured years (policies/ncd.py, docs/domain.md).
    "NCD_LADDER": _TEN_LEVELS,
    # Regions with their own ladder: key = province or city name without 省/市, matched as a
    # prefix of the customer's city first, then the province.
    "NCD_LADDERS_BY_REGION": {"北京": _ELEVEN_LEVELS, "厦门": _ELEVEN_LEVELS},
    # Insured years counted (N, at most) and whose claims are counted (M).
    "NCD_LOOK_BACK_YEARS": 3,
    # A gap in cover (脱保) shorter than this many months leaves the run unbroken …
    "NCD_GAP_UNBROKEN_MONTHS": 3,
    # … up to this many months the level can only rise (max(0, M − N)); longer → level 0.
    "NCD_GAP_RESET_MONTHS": 6,
    # Claims still open at quote time count (they may yet be paid).
    "NCD_OPEN_CLAIMS_COUNT": True,
    # A policy shorter than this many days is short-term (短期险): the chain starts again after
    # it. A few days under a year, so records that end a year on the day before still count.
    "NCD_SHORT_TERM_DAYS": 360,
}

# ``conf.get("NCD_LADDER")``: the deployment's value, else the default.
SETTINGS = AppSettings(None, DEFAULTS)
get = SETTINGS.get
