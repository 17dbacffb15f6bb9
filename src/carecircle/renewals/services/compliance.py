"""A call the law refuses (``rules.violations``): the refusal and its record.

Services lock the task and ask ``selectors.call_violations``; on a violation they raise
``Blocked``, log a ``ComplianceBlock`` outside the rolled-back transaction (so the attempt is
on record) and refuse with the rule's message.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from carecircle.core.errors import DomainError

from ..models import ComplianceBlock, RenewalTask
from ..rules import Violation


class Blocked(Exception):
    def __init__(self, violation: Violation):
        super().__init__(violation.message)
        self.violation = violation


def log_block(task: RenewalTask | None, user, now: dt.datetime, violation: Violation) -> None:
    """Recorded in its own transaction so the refused attempt stays on record."""
    with transaction.atomic():
        ComplianceBlock.objects.create(
            task=task,
            customer_id=task.customer_id if task else None,
            by=user,
            at=now,
            rule=violation.rule,
            message=violation.message[:255],
        )


def refusal(violation: Violation) -> DomainError:
    return DomainError(violation.rule, violation.message, status=409)
