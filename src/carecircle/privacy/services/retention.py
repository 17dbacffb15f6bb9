"""The retention schedule (``conf.RETENTION``), run nightly by ``carecircle privacy retention``.

Each record kind past its period (``rules.is_past``: its end date on or before today moved
back by the period) is anonymised — personal data cleared, the row kept, because other rows
point to it and the counts must stay right — in batches of ``BATCH_SIZE``, each batch one
transaction. A row already anonymised no longer matches, so a second run changes nothing. Every
kind's count is audited, and the run is recorded (``RetentionRun``).

Former customers are anonymised once 保险法第87条 no longer keeps their records (every
contract ended and every claim closed more than 5 — or, for a longer contract, 10 — years ago).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial
from typing import Any

from django.db import models, transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.db.models.functions import Coalesce, Least

from carecircle.core import audit, clock, dates
from carecircle.core.models import AuditLog
from carecircle.notify.choices import Purpose
from carecircle.notify.models import Message
from carecircle.parties.models import Customer
from carecircle.policies.models import Policy, Proposal
from carecircle.renewals.models import Contact
from carecircle.touchpoints.choices import ReferralStatus
from carecircle.touchpoints.models import Complaint, ComplaintEvent, Interaction, Referral

from .. import conf, rules
from ..choices import ExportStatus
from ..models import DataExport, RetentionRun
from . import erase
from .exports import remove_file

ANONYMOUS = erase.ANONYMOUS
KINDS = (
    "call_recordings",
    "marketing_messages",
    "interactions",
    "unconverted_leads",
    "prospects",
    "closed_complaints",
    "data_exports",
    "former_customers",
)


def before(day: dt.date) -> dt.datetime:
    """The first moment after ``day`` (local): a timestamp whose local date is on or before
    ``day`` is earlier than this."""
    return dates.midnight(day + dt.timedelta(days=1))


def _due(kind: str, today: dt.date) -> dt.datetime:
    return before(rules.cutoff(today, conf.retention(kind)))


# ---- what each kind matches, and what anonymising it writes -----------------------------------


def _calls(today: dt.date) -> models.QuerySet:
    return Contact.objects.filter(at__lt=_due("call_recordings", today)).filter(
        ~Q(recording_ref="") | ~Q(note="")
    )


def _marketing(today: dt.date) -> models.QuerySet:
    return Message.objects.filter(
        purpose=Purpose.MARKETING, created_at__lt=_due("marketing_messages", today)
    ).filter(~Q(body="") | ~Q(subject="") | ~Q(address_masked=""))


def _interactions(today: dt.date) -> models.QuerySet:
    return Interaction.objects.filter(occurred_at__lt=_due("interactions", today)).exclude(
        summary=""
    )


def _leads(today: dt.date) -> models.QuerySet:
    return (
        Referral.objects.filter(recorded_at__lt=_due("unconverted_leads", today))
        .exclude(status=ReferralStatus.WON)
        .exclude(referred_name=ANONYMOUS)
    )


def _complaints(today: dt.date) -> models.QuerySet:
    return Complaint.objects.filter(closed_at__lt=_due("closed_complaints", today)).exclude(
        summary=ANONYMOUS, details="", resolution=""
    )


def _prospects(today: dt.date) -> models.QuerySet:
    return Customer.objects.filter(
        anonymised_at__isnull=True, updated_at__lt=_due("prospects", today)
    ).exclude(
        Exists(Policy.objects.filter(customer=OuterRef("pk")))
        | Exists(Proposal.objects.filter(customer=OuterRef("pk")))
    )


def _former_candidates(today: dt.date) -> models.QuerySet:
    """Customers whose every contract ended at least the short Art 87 period ago (a cheap
    SQL filter); ``erase.art87`` then decides each one exactly (long contracts, claims)."""
    cut = rules.cutoff(today, {"years": conf.get("ART87_YEARS_SHORT")})
    return (
        Customer.objects.filter(anonymised_at__isnull=True)
        .annotate(
            last_end=Max(
                Coalesce(
                    Least("policies__cancelled_on", "policies__expiry_date"),
                    "policies__expiry_date",
                )
            )
        )
        .filter(last_end__isnull=False, last_end__lte=cut)
    )


def _exports(now: dt.datetime) -> models.QuerySet:
    return DataExport.objects.filter(status=ExportStatus.READY, expires_at__lte=now)


UPDATES: dict[str, tuple[Callable[[dt.date], models.QuerySet], dict[str, Any]]] = {
    "call_recordings": (_calls, {"recording_ref": "", "note": ""}),
    "marketing_messages": (
        _marketing,
        {"subject": "", "body": "", "address_masked": "", "context": {}},
    ),
    "interactions": (_interactions, {"summary": ""}),
    "unconverted_leads": (_leads, {"referred_name": ANONYMOUS, "referred_phone_masked": ""}),
    "closed_complaints": (_complaints, {"summary": ANONYMOUS, "details": "", "resolution": ""}),
}


def _update_in_batches(
    qs_for: Callable[[], models.QuerySet],
    values: dict,
    batch: int,
    after: Callable[[list[int]], None] | None = None,
) -> int:
    done = 0
    while True:
        with transaction.atomic():
            ids = list(qs_for().order_by("pk").values_list("pk", flat=True)[:batch])
            if not ids:
                return done
            model = qs_for().model
            model._base_manager.filter(pk__in=ids).update(**values)
            if after is not None:
                after(ids)
        done += len(ids)


def _clear_events(ids: list[int]) -> None:
    ComplaintEvent.objects.filter(complaint_id__in=ids).exclude(note="").update(note="")


def run(today: dt.date | None = None, *, dry_run: bool = False) -> dict[str, Any]:
    """Apply the schedule as of ``today``; with ``dry_run`` only count what would change.
    Returns {"as_of", "dry_run", "counts": {kind: n}}."""
    day = today or clock.today()
    now = clock.now()
    batch = int(conf.get("BATCH_SIZE"))
    record = RetentionRun.objects.create(started_at=now, as_of=day, dry_run=dry_run)
    counts: dict[str, int] = {}
    for kind, (matcher, values) in UPDATES.items():
        if dry_run:
            counts[kind] = matcher(day).count()
            continue
        after = _clear_events if kind == "closed_complaints" else None
        counts[kind] = _update_in_batches(partial(matcher, day), values, batch, after)
    counts["prospects"] = _anonymise_each(
        _prospects(day), day, dry_run, batch, reason="prospect past retention", check_art87=False
    )
    counts["former_customers"] = _anonymise_each(
        _former_candidates(day),
        day,
        dry_run,
        batch,
        reason="Art 87 retention ended",
        check_art87=True,
    )
    counts["data_exports"] = _expire_exports(now, dry_run)
    counts = {k: counts[k] for k in KINDS}
    record.counts, record.finished_at = counts, clock.now()
    record.save(update_fields=["counts", "finished_at"])
    if not dry_run:
        audit.record(
            None,
            AuditLog.Action.UPDATE,
            record,
            summary="retention: " + ", ".join(f"{k} {n}" for k, n in counts.items() if n)
            if any(counts.values())
            else "retention: nothing past its period",
            changes={"counts": counts, "as_of": day.isoformat()},
        )
    return {"as_of": day.isoformat(), "dry_run": dry_run, "counts": counts}


def _anonymise_each(
    qs: models.QuerySet, day: dt.date, dry_run: bool, batch: int, *, reason: str, check_art87: bool
) -> int:
    done = 0
    last = 0
    while True:
        ids = list(qs.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch])
        if not ids:
            return done
        last = ids[-1]
        for customer in Customer.objects.filter(pk__in=ids).order_by("pk"):
            if check_art87 and erase.art87(customer.pk, day).keeps:
                continue
            if dry_run or erase.anonymise(customer, acting_user=None, reason=reason):
                done += 1


def _expire_exports(now: dt.datetime, dry_run: bool) -> int:
    rows = list(_exports(now))
    if dry_run:
        return len(rows)
    for export in rows:
        with transaction.atomic():
            changed = DataExport.objects.filter(pk=export.pk, status=ExportStatus.READY).update(
                status=ExportStatus.EXPIRED, file_name=""
            )
            if changed:
                transaction.on_commit(partial(remove_file, export))
    return len(rows)
