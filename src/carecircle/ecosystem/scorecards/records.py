"""The records behind a scorecard figure (drill-down): one table, ``DRILL``, says for each
list which records count, how they name the partner, which moment puts them in the month and
how they are ordered. Callers page the queryset and mask the customers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model, Q

from carecircle.claims.models import Claim
from carecircle.core import dates
from carecircle.parties.models import Partner
from carecircle.policies.models import Policy
from carecircle.touchpoints.models import Complaint, Interaction, Referral, Survey


@dataclass(frozen=True)
class Drill:
    model: type[Model]
    partner: tuple[str, ...]  # the fields naming the partner (any of them)
    moment: str  # the field that falls in the month
    related: tuple[str, ...]
    order: tuple[str, ...]
    by_day: bool = False  # ``moment`` is a date (the month's days), not a moment in time
    also: dict[str, Any] = field(default_factory=dict)  # what else a record must be

    def records(self, partner: Partner, month: dt.date):
        first, after, start, end = dates.month_bounds(month)
        low, high = (first, after) if self.by_day else (start, end)
        names = Q()
        for name in self.partner:
            names |= Q(**{name: partner})
        return (
            self.model._default_manager.filter(
                names, **{f"{self.moment}__gte": low, f"{self.moment}__lt": high}, **self.also
            )
            .select_related(*self.related)
            .order_by(*self.order)
        )


_POLICY: dict[str, Any] = {"model": Policy, "partner": ("partner",), "by_day": True}
_LIVE = {"cancelled_on__isnull": True}
_CLAIM: dict[str, Any] = {
    "model": Claim,
    "partner": ("repair_shop",),
    "related": ("policy__customer", "vehicle"),
}

# fmt: off
DRILL: dict[str, Drill] = {
    "policies": Drill(**_POLICY, moment="effective_date", related=("customer", "vehicle"),
                      order=("effective_date", "policy_no"), also=_LIVE),
    "renewals": Drill(**_POLICY, moment="expiry_date",
                      related=("customer", "vehicle", "renewed_by"),
                      order=("expiry_date", "policy_no"), also=_LIVE),
    "claims": Drill(**_CLAIM, moment="reported_at", order=("reported_at", "claim_no")),
    "settled": Drill(**_CLAIM, moment="paid_at", order=("paid_at", "claim_no"),
                     also={"amount_paid__gt": 0}),
    "complaints": Drill(Complaint, partner=("partner", "merchant"), moment="received_at",
                        related=("customer",), order=("received_at",)),
    "satisfaction": Drill(Interaction, partner=("partner",), moment="occurred_at",
                          related=("customer",), order=("occurred_at",),
                          also={"satisfaction__isnull": False}),
    "surveys": Drill(Survey, partner=("partner",), moment="answered_at", related=("customer",),
                     order=("answered_at",), also={"csat__isnull": False}),
    "referrals": Drill(Referral, partner=("partner",), moment="recorded_at",
                       related=("referrer",), order=("recorded_at",)),
}
# fmt: on
DRILLS = tuple(DRILL)


def drill(partner: Partner, month: dt.date, what: str, user: Any = None):
    """The records behind a figure, as a queryset (callers page and mask). The figures are
    the partner's across the book; the records behind them, naming customers, are for insurer
    staff only those of their unit's subtree (``restrict``). A partner's own users read every
    record naming it, masked."""
    records = DRILL[what].records(partner, month)
    if getattr(user, "is_insurer_staff", False):
        records = records.restrict(user)
    return records
