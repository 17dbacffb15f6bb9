"""Demo data for lists that act (#16): one black-listed and one grey-listed customer of the demo
seat, each with an open renewal in the seat's queue, decided by the demo manager — so the seat
sees the referral and the coefficient floor, and the underwriter has a referral to decide.
Runs after the renewals step (the tasks exist); idempotent."""

from __future__ import annotations

import datetime as dt
from typing import Any

from carecircle.core import clock
from carecircle.core.models import User
from carecircle.parties.models import Customer

from .models import ListEntry, ListKind, ListStatus
from .services import decisions

NOTES = {
    ListKind.BLACK: "三年多次单方事故、同一修理厂反复出险，疑似骗保 / repeated single-vehicle "
    "claims at one shop: suspected fraud",
    ListKind.GREY: "赔付率持续偏高，加强审核 / loss ratio high for three years: closer review",
}


def seed(stdout: Any) -> None:
    manager = User.objects.filter(username="manager").first()
    if manager is None or ListEntry.objects.filter(events__note__startswith="demo:").exists():
        return
    # the demo seat's open renewals (by lookup: value does not import renewals), customers
    # without a login (the demo customer keeps its goodwill voucher)
    candidates = (
        Customer.objects.filter(
            renewal_tasks__assignee__username="seat",
            renewal_tasks__stage="telesales",
            renewal_tasks__policy__kind="commercial",
            login__isnull=True,
        )
        .exclude(list_entries__status__in=(ListStatus.PROPOSED, ListStatus.ACTIVE))
        .order_by("-renewal_tasks__priority")
        .values_list("pk", flat=True)
        .distinct()
    )
    chosen = list(dict.fromkeys(candidates[:10]))[:2]
    expires = clock.today() + dt.timedelta(days=365)
    for customer_id, kind in zip(chosen, (ListKind.BLACK, ListKind.GREY), strict=False):
        entry = ListEntry.objects.create(
            customer_id=customer_id,
            kind=kind,
            reasons=f"list_{kind},loss_ratio",
            evidence={
                "claims_3y": 6 if kind == ListKind.BLACK else 4,
                "loss_ratio_credible": "1.9",
            },
        )
        decisions.approve_list_entry(
            entry.pk, expires_on=expires, note=f"demo: {NOTES[kind]}", acting_user=manager
        )
    stdout.write(f"  lists that act: {len(chosen)} customers listed (black, grey)")
