"""Nightly alliance work as django-tasks tasks (enqueue from cron or code; ``carecircle
worker`` runs them): issue the policy year's entitlements, expire vouchers, and list the
reminders due before expiry for customers who consented to marketing."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from carecircle.core import clock

from . import bulk, services
from .models import Voucher


@task(queue_name="default")
def nightly_alliance_task(today: str | None = None) -> dict:
    """Idempotent: entitlements missing for in-force policies, then expiry."""
    day = dt.date.fromisoformat(today) if today else clock.today()
    issued = bulk.issue_for_book(today=day)
    expired = services.expire_vouchers(day)
    return {"inserted": issued["inserted"], "expired": expired, "seconds": issued["seconds"]}


def reminders_due(today: dt.date, lead_days: int) -> list[int]:
    """Ids of issued vouchers ending within ``lead_days`` not yet reminded, for customers with
    explicit marketing consent (silence is not consent).  The notification app sends them and
    sets ``reminded_at``."""
    return list(
        Voucher.objects.filter(
            status="issued",
            reminded_at__isnull=True,
            valid_until__gte=today,
            valid_until__lte=today + dt.timedelta(days=lead_days),
            customer__marketing_consent=True,
        ).values_list("pk", flat=True)
    )
