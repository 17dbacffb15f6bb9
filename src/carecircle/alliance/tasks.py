"""Alliance background work as django-tasks tasks (``carecircle worker`` runs them).

- ``nightly_alliance_task``: issue what is missing for in-force policies (the catch-all for
  policies that started and tiers that changed since the last run), then expire vouchers
  past their last day.  Cron runs it once a night: ``carecircle alliance nightly``.
- ``issue_for_policy_task(policy_id)``: one policy's entitlements at once; the policy
  service enqueues it on commit whenever a policy is written (so the customer need not wait
  for the night).
- ``issue_after_value_run_task()``: enqueued by the value runner when a run becomes current,
  as tiers may have changed; issues the new tiers' extra entitlements for the book
  (set-based, only what is missing, so nothing is issued twice).

Expiry reminders are **not** sent from here: the ecosystem's reminder rule
``voucher_expiring`` (``carecircle ecosystem reminders``, nightly) sends them through
``notify.send``, which applies consent, unsubscribes, caps and quiet hours, and its dedupe key
``voucher:<code>:expiring`` makes each voucher's reminder go once (docs/alliance.md).
"""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from carecircle.core import clock
from carecircle.policies.models import Policy

from . import bulk, services


@task(queue_name="default")
def nightly_alliance_task(today: str | None = None) -> dict:
    """Idempotent: entitlements missing for in-force policies, then expiry."""
    day = dt.date.fromisoformat(today) if today else clock.today()
    issued = bulk.issue_for_book(today=day)
    expired = services.expire_vouchers(day)
    return {"inserted": issued["inserted"], "expired": expired, "seconds": issued["seconds"]}


@task(queue_name="default")
def issue_for_policy_task(policy_id: int) -> int:
    """Idempotent: the policy year's vouchers still missing for one policy (a count)."""
    policy = Policy.objects.select_related("vehicle").filter(pk=policy_id).first()
    return len(services.issue_for_policy(policy)) if policy is not None else 0


@task(queue_name="default")
def issue_after_value_run_task() -> int:
    """Idempotent: what the current run's tiers entitle and is not yet issued (a count)."""
    return int(bulk.issue_for_book()["inserted"])
