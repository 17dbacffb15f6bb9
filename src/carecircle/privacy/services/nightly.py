"""The privacy app's nightly work in one call (``carecircle privacy nightly``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from carecircle.core import clock

from . import requests, retention


def run(today: dt.date | None = None) -> dict[str, Any]:
    day = today or clock.today()
    result = retention.run(day)
    result["escalated"] = requests.escalate_overdue(day)
    result["exports_queued"] = requests.retry_pending()
    return result
