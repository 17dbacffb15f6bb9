"""Background work for the ecosystem (``carecircle worker`` runs it)."""

from __future__ import annotations

import datetime as dt

from django_tasks import task


@task(queue_name="default")
def send_weather_task(day_iso: str) -> dict[str, int]:
    """The weather rule alone, for ``day``: queued when the branch uploads a file, so an
    alert for today or tomorrow goes out now rather than at the nightly run. Idempotent: each
    alert reaches each customer once (notify's dedupe key), whoever runs first."""
    from . import reminders

    record = reminders.run(dt.date.fromisoformat(day_iso), ["weather_alert"])
    return dict(record.counts.get("weather_alert", {}))
