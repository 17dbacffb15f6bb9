"""The nightly value run as a django-tasks task.

Enqueue it from cron (``carecircle value run`` works the same without a worker), or from code:
``value_run_task.enqueue()``; ``carecircle worker`` executes it.  See docs/value.md.
"""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from carecircle.core.clock import today

from .engine.params import params_from_settings
from .engine.runner import run_value


@task(queue_name="default")
def value_run_task(as_of: str | None = None) -> dict:
    """Value every customer as of ``as_of`` (ISO date; default today) and switch over."""
    params = params_from_settings(dt.date.fromisoformat(as_of) if as_of else today())
    run = run_value(params)
    return {"run": run.pk, "customers": run.counts.get("customers", 0), "seconds": run.seconds}
