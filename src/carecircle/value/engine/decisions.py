"""What a successful run decides, recorded inside the switch-over transaction.

- tier history: one row per customer whose decided tier changed (or was first set);
- tier reviews: one pending review per customer the humane rules held back;
- list proposals: a proposed grey/black entry with its evidence — a person decides.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from django.db.models import Max

from carecircle.core import audit

from ..models import (
    ListEntry,
    ListEvent,
    ListStatus,
    ReviewStatus,
    TierHistory,
    TierReview,
    ValueRun,
)
from . import dbio
from .params import ValueParams


def record(run: ValueRun, rows: pl.DataFrame, params: ValueParams) -> dict[str, int]:
    ids = rows.select(
        "customer_id",
        "tier",
        "rule_tier",
        "previous_tier",
        "reasons",
        "needs_review",
        "list_proposal",
        "loss_ratio_credible",
        "claims_count_3y",
    )
    changed = ids.filter(pl.col("tier") != pl.col("previous_tier")).select(
        pl.col("customer_id"),
        pl.lit(run.pk, dtype=pl.Int64).alias("run_id"),
        pl.lit(params.as_of.isoformat()).alias("as_of"),
        "tier",
        "previous_tier",
        pl.col("reasons").str.slice(0, 255),
    )
    dbio.write_frame(TierHistory._meta.db_table, changed)

    pending = set(
        TierReview.objects.filter(status=ReviewStatus.PENDING).values_list("customer_id", flat=True)
    )
    to_review = ids.filter(pl.col("needs_review") != "")
    reviews = [
        TierReview(
            customer_id=row["customer_id"],
            run=run,
            current_tier=row["previous_tier"],
            proposed_tier=row["rule_tier"],
            reason=row["needs_review"],
        )
        for row in to_review.iter_rows(named=True)
        if row["customer_id"] not in pending
    ]
    TierReview.objects.bulk_create(reviews, batch_size=2000)

    proposals = ids.filter(pl.col("list_proposal") != "")
    expires = params.as_of + dt.timedelta(days=params.list_expiry_days)
    entries = [
        ListEntry(
            customer_id=row["customer_id"],
            kind=row["list_proposal"],
            status=ListStatus.PROPOSED,
            reasons=row["reasons"][:255],
            evidence={
                "claims_3y": row["claims_count_3y"],
                "loss_ratio_credible": str(row["loss_ratio_credible"]),
                "as_of": params.as_of.isoformat(),
            },
            proposed_by_run=run,
            expires_on=expires,
        )
        for row in proposals.iter_rows(named=True)
    ]
    created = ListEntry.objects.bulk_create(entries, batch_size=2000)
    if created and created[0].pk is None:  # a backend that does not return ids
        top = ListEntry.objects.aggregate(top=Max("id"))["top"]
        created = list(ListEntry.objects.filter(proposed_by_run=run, id__lte=top))
    ListEvent.objects.bulk_create(
        [
            ListEvent(
                entry=entry,
                action="propose",
                to_status=ListStatus.PROPOSED,
                note=f"value run {run.pk}: {entry.reasons}",
            )
            for entry in created
        ],
        batch_size=2000,
    )
    counts = {
        "tier_changes": changed.height,
        "reviews_opened": len(reviews),
        "list_proposals": len(created),
    }
    audit.record(None, "create", run, summary=f"value run {run.pk}: {counts}")
    return counts
