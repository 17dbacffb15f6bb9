"""Policy rating settings: defaults here, overridden at the top level of
``settings.CARECIRCLE`` (book-wide: every app that prices or reprices a policy reads the same
figures) through ``core.conf.AppSettings``."""

from __future__ import annotations

from typing import Any

from carecircle.core.conf import AppSettings

DEFAULTS: dict[str, Any] = {
    # The regulator's band for the autonomous pricing coefficient (自主定价系数).
    "AUTONOMOUS_PRICING_BAND": (0.5, 1.5),
    # Commercial NCD level → coefficient (无赔款优待系数); levels −4 … 5, claim-free years lower.
    "NCD_LADDER": {
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
    },
}

# ``conf.get("NCD_LADDER")``: the deployment's value, else the default.
SETTINGS = AppSettings(None, DEFAULTS)
get = SETTINGS.get
