"""How the claims clocks count days (DOMAIN.md "Claims: legal clocks"). Pure.

- Legal periods (Insurance Law arts 22-25) are **calendar days** counted as the Civil Code
  says (arts 200-204): the day of the event is not counted, day 1 is the next day; when the
  last day is a day off (a weekend or a public holiday as that year's schedule sets them — a
  调休 working Sunday is not a day off) the period ends on the first working day after it.
  ``legal_deadline`` is the one function every legal clock uses.
- The company's own service promises are **working days** (``promise_deadline``), on the same
  calendar.

The clock evaluation that applies them to a claim is ``claims.rules.clocks.evaluate_clocks``.
"""

from __future__ import annotations

import datetime as dt

from carecircle.core.calendar import WorkCalendar


def legal_deadline(start: dt.date, days: int, calendar: WorkCalendar) -> dt.date:
    """The last day of a legal period of ``days`` calendar days that starts on ``start``
    (Civil Code arts 200-204): ``start + days``, moved to the next working day when that day
    is a day off."""
    return calendar.next_working_day(start + dt.timedelta(days=days))


def promise_deadline(
    start: dt.date, working_days: int, calendar: WorkCalendar, paused_days: int = 0
) -> dt.date:
    """The company's promise: ``working_days`` working days after ``start``; the calendar days
    spent waiting on the customer (``paused_days``) push the start back."""
    return calendar.add_working_days(start + dt.timedelta(days=paused_days), working_days)
