"""Claims work that runs after the request, on ``carecircle worker`` (django-tasks)."""

from __future__ import annotations

from django_tasks import task

from . import services


@task(queue_name="default")
def screen_claim(claim_id: int) -> str:
    """Screen a reported claim (review flags, fast track); idempotent, so a retried or doubled
    task changes nothing the second time."""
    return services.screen(claim_id)
