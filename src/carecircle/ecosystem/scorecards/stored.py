"""Stored months: every active partner's figures kept as ``PartnerMonth`` rows (the nightly
``carecircle ecosystem aggregate``), read back for the health view, the partner list and the
cockpit."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from carecircle.core import clock
from carecircle.parties.models import Partner

from ..models import PartnerMonth
from .measure import FIELDS, Figures, figures, policy_figures


def compute_months(months: list[dt.date]) -> int:
    """``compute_month`` for many months, the policy figures of all of them in one scan
    (the nightly aggregate and the demo store 13 months)."""
    policies = policy_figures(months, None)
    return sum(compute_month(month, policies[month]) for month in months)


def compute_month(month: dt.date, policies=None) -> int:
    """Store every active partner's figures for ``month`` (replacing the month's rows)."""
    data = figures(month, None, policies)
    kinds = dict(Partner.objects.filter(pk__in=list(data)).values_list("pk", "kind"))
    moment = clock.now()
    rows = [
        PartnerMonth(
            partner_id=pid,
            month=month,
            partner_kind=kinds.get(pid, ""),
            computed_at=moment,
            **{name: getattr(f, name) for name in FIELDS},
        )
        for pid, f in data.items()
        if pid in kinds
    ]
    with transaction.atomic():
        PartnerMonth.objects.filter(month=month).delete()
        PartnerMonth.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def from_stored(row: PartnerMonth) -> Figures:
    return Figures(**{name: getattr(row, name) for name in FIELDS})
