"""Ecosystem pages: ``scorecards`` (partner list, scorecard, drill-down, partner portal),
``cockpit`` (the manager's cockpit, its CSV, ecosystem health), ``reminders`` (the weather
file, the rule runs). Complaint and survey pages are touchpoints' (``touchpoints.views``)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest

from carecircle.core import dates


def month_asked(request: HttpRequest) -> dt.date:
    """The month in ``?month=YYYY-MM``; the last complete month when absent or malformed."""
    return dates.parse_month(request.GET.get("month")) or dates.last_complete_month()
