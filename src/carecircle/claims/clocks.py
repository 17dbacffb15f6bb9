"""Bulk re-evaluation of every open claim's clocks (nightly, `carecircle claims_clocks`).

One streaming read of the columns the clocks need, the pure rules per claim, and one write of
only the claims whose promise or legal clock changed (on PostgreSQL a single UPDATE … FROM
unnest(…) per batch)."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from carecircle.core import clock
from carecircle.core.money import ZERO

from . import rules
from . import settings_view as sv
from .choices import ClaimStatus
from .models import Claim
from .models.claim import OPEN_STATUSES

FIELDS = (
    "pk",
    "status",
    "reported_at",
    "amount_reserved",
    "amount_assessed",
    "amount_approved",
    "injury",
    "approved_at",
    "rejected_at",
    "rejection_notice_at",
    "documents_complete_at",
    "waiting_since",
    "paused_days",
    "promised_on",
    "promise_state",
    "due_on",
    "due_clock",
    "clock_state",
)
BATCH = 5000


@dataclass
class Reevaluation:
    claims: int
    changed: int
    breached: int
    warnings: int
    seconds: float


def _date(moment: dt.datetime | None, tz) -> dt.date | None:
    return moment.astimezone(tz).date() if moment else None


def reevaluate_open_claims(today: dt.date | None = None) -> Reevaluation:
    started = time.perf_counter()
    today = today or clock.today()
    cal, cs = sv.calendar(), sv.clock_settings()
    tz = timezone.get_current_timezone()
    scope = Claim.objects.filter(
        Q(status__in=OPEN_STATUSES)
        | Q(status=ClaimStatus.REJECTED, rejection_notice_at__isnull=True)
    )
    changed: list[tuple] = []
    n = breached = warnings = 0
    for row in scope.values_list(*FIELDS).iterator(chunk_size=BATCH):
        n += 1
        (pk, status, reported_at, reserved, assessed, approved, injury, approved_at,
         rejected_at, notice_at, docs_at, waiting, paused, *current) = row  # fmt: skip
        r = rules.evaluate_clocks(
            rules.ClockFacts(
                status=status,
                reported_on=reported_at.astimezone(tz).date(),
                amount=approved or assessed or reserved or ZERO,
                injury=injury,
                approved_on=_date(approved_at, tz),
                rejected_on=_date(rejected_at, tz),
                rejection_notice_on=_date(notice_at, tz),
                documents_complete_on=_date(docs_at, tz),
                waiting_since=_date(waiting, tz),
                paused_days=paused,
            ),
            today,
            cal,
            cs,
        )
        new = [r.promised_on, r.promise_state, r.due_on, r.due_clock, r.clock_state]
        breached += r.clock_state == "breached" or r.promise_state == "breached"
        warnings += r.clock_state == "warning" or r.promise_state == "warning"
        if new != list(current):
            changed.append((pk, *new))
    for i in range(0, len(changed), BATCH):
        _write(changed[i : i + BATCH])
    return Reevaluation(n, len(changed), breached, warnings, time.perf_counter() - started)


def _write(rows: list[tuple]) -> None:
    if not rows:
        return
    with transaction.atomic():
        if connection.vendor == "postgresql":
            cols = list(zip(*rows, strict=True))
            table = Claim._meta.db_table
            with connection.cursor() as cur:
                cur.execute(
                    f"""UPDATE {table} AS c SET promised_on = v.p, promise_state = v.ps,
                        due_on = v.d, due_clock = v.dc, clock_state = v.cs
                    FROM unnest(%s::bigint[], %s::date[], %s::text[], %s::date[], %s::text[],
                                %s::text[]) AS v(id, p, ps, d, dc, cs)
                    WHERE c.id = v.id""",  # noqa: S608 - table name from the model, values bound
                    [list(c) for c in cols],
                )
            return
        objs = [
            Claim(pk=pk, promised_on=p, promise_state=ps, due_on=d, due_clock=dc, clock_state=cs)
            for pk, p, ps, d, dc, cs in rows
        ]
        Claim.objects.bulk_update(
            objs, ["promised_on", "promise_state", "due_on", "due_clock", "clock_state"], 500
        )
