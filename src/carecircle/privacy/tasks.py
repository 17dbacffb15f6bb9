"""Privacy work on ``carecircle worker`` (django-tasks).

- ``build_export_task(export_id)``: make a customer's data copy; queued on commit when the
  customer asks (idempotent: an export already made is left alone).
- ``nightly_privacy_task()``: the retention schedule, late requests escalated, exports whose
  task was lost queued again — what ``carecircle privacy nightly`` runs.
"""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from .services import exports


@task(queue_name="default")
def build_export_task(export_id: int) -> str:
    return exports.build(export_id)


@task(queue_name="default")
def nightly_privacy_task(today: str | None = None) -> dict:
    from .services import nightly

    return nightly.run(dt.date.fromisoformat(today) if today else None)
