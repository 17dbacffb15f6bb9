"""The claim's clocks (the service promise and the earliest running legal clock), written on
the claim row: for one claim at each of its steps (``save_with_clocks``), and for every open
claim at night (``reevaluate_open_claims``, `carecircle claims_clocks`).

The nightly run: one streaming read of the columns the clocks need, the pure rules per claim,
and one write of only the claims whose promise or legal clock changed (on PostgreSQL a single
UPDATE … FROM unnest(…) per batch)."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Max, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from carecircle.core import clock
from carecircle.core.money import ZERO

from .. import rule_settings, rules
from ..choices import ClaimStatus
from ..models import OPEN_STATUSES, Claim

# ---- one claim ------------------------------------------------------------------------------


def _local(moment: dt.datetime | None) -> dt.date | None:
    return timezone.localdate(moment) if moment else None


def sent_this_round(
    sent: dt.datetime | dt.date | None, reopened: dt.datetime | dt.date | None
) -> dt.datetime | dt.date | None:
    """The settlement's dispatch, if it belongs to the claim's current round (a reopened
    claim's clock runs again until its next payment leaves)."""
    if sent is None or (reopened is not None and sent < reopened):
        return None
    return sent


def clock_facts(claim: Claim) -> rules.ClockFacts:
    return rules.ClockFacts(
        payment_sent_on=_local(sent_this_round(claim.payment_sent_at, claim.reopened_at)),  # type: ignore[arg-type]
        status=claim.status,
        reported_on=timezone.localdate(claim.reported_at),
        amount=claim.amount_approved or claim.amount_assessed or claim.amount_reserved or ZERO,
        injury=claim.injury,
        offer_accepted_on=_local(claim.offer_accepted_at),
        rejected_on=_local(claim.rejected_at),
        rejection_notice_on=_local(claim.rejection_notice_at),
        documents_complete_on=_local(claim.documents_complete_at),
        waiting_since=_local(claim.waiting_since),
        paused_days=claim.paused_days,
    )


def refresh_clocks(claim: Claim, today: dt.date | None = None) -> None:
    """Set the promised date and the legal clock on ``claim`` (not saved)."""
    result = rules.evaluate_clocks(
        clock_facts(claim),
        today or clock.today(),
        rule_settings.calendar(),
        rule_settings.clock_settings(),
    )
    claim.promised_on = result.promised_on
    claim.promise_state = result.promise_state
    claim.due_on = result.due_on
    claim.due_clock = result.due_clock
    claim.clock_state = result.clock_state


def save_with_clocks(claim: Claim) -> None:
    """Save the claim with its clocks brought up to date (every step does this)."""
    refresh_clocks(claim)
    claim.save()


# ---- every open claim, at night -------------------------------------------------------------


DATES = {
    "rep": "reported_at",
    "acc": "offer_accepted_at",
    "rej": "rejected_at",
    "notice": "rejection_notice_at",
    "docs": "documents_complete_at",
    "wait": "waiting_since",
    "sent": "payment_sent_at",
    "reopened": "reopened_at",
}
FIELDS = (
    "pk",
    "status",
    "amount_reserved",
    "amount_assessed",
    "amount_approved",
    "injury",
    "paused_days",
    *DATES,
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
    # Years with no holiday schedule loaded that a running clock touches (see the dashboard).
    unscheduled: tuple[int, ...] = ()


def reevaluate_open_claims(today: dt.date | None = None) -> Reevaluation:
    """Dates are cut to local days in SQL; claims with the same facts share one evaluation."""
    started = time.perf_counter()
    today = today or clock.today()
    cal, cs = rule_settings.calendar(), rule_settings.clock_settings()
    scope = Claim.objects.filter(
        Q(status__in=OPEN_STATUSES)
        | Q(status=ClaimStatus.REJECTED, rejection_notice_at__isnull=True)
    ).annotate(**{alias: TruncDate(column) for alias, column in DATES.items()})
    changed: list[tuple] = []
    n = breached = warnings = 0
    memo: dict[tuple, tuple] = {}
    unscheduled: set[int] = set()
    bands: dict[tuple, int] = {}
    for row in _rows(scope.values_list(*FIELDS)):
        n += 1
        (pk, status, reserved, assessed, approved, injury, paused, reported_on, accepted_on,
         rejected_on, notice_on, docs_on, waiting_on, sent_on, reopened_on,
         *current) = row  # fmt: skip
        sent_on = sent_this_round(sent_on, reopened_on)
        amount = approved or assessed or reserved or ZERO
        band_key = (amount, injury)
        days = bands.get(band_key)
        if days is None:
            days = bands[band_key] = rules.promise_days(amount, injury, cs)
        key = (status, reported_on, days, accepted_on, rejected_on, notice_on, docs_on,
               waiting_on, paused, sent_on)  # fmt: skip
        new = memo.get(key)
        if new is None:
            r = rules.evaluate_clocks(
                rules.ClockFacts(
                    status=status,
                    reported_on=reported_on,
                    amount=ZERO,
                    offer_accepted_on=accepted_on,
                    rejected_on=rejected_on,
                    rejection_notice_on=notice_on,
                    documents_complete_on=docs_on,
                    waiting_since=waiting_on,
                    paused_days=paused,
                    promise=days,
                    payment_sent_on=sent_on,  # type: ignore[arg-type]
                ),
                today,
                cal,
                cs,
            )
            new = memo[key] = (r.promised_on, r.promise_state, r.due_on, r.due_clock, r.clock_state)
            unscheduled.update(r.unscheduled)
        breached += new[4] == "breached" or new[1] == "breached"
        warnings += new[4] == "warning" or new[1] == "warning"
        if new != tuple(current):
            changed.append((pk, *new))
    for i in range(0, len(changed), BATCH):
        _write(changed[i : i + BATCH])
    return Reevaluation(
        n,
        len(changed),
        breached,
        warnings,
        time.perf_counter() - started,
        tuple(sorted(unscheduled)),
    )


def _rows(qs):
    """Rows without Django's per-value converters on PostgreSQL (dates and decimals come typed
    from the driver); the ORM iterator elsewhere."""
    if connection.vendor != "postgresql":
        yield from qs.iterator(chunk_size=BATCH)
        return
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute(sql, params)
        while batch := cur.fetchmany(BATCH):
            yield from batch


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


# ---- years the clocks need ------------------------------------------------------------------


def unscheduled_years(today: dt.date | None = None) -> list[int]:
    """Years with no holiday schedule loaded that a running clock reaches (from today to the
    latest due or promised date on an open claim): the dashboard flags them, since their dates
    count weekends only. (A clock already breached is not looked back on.)"""
    today = today or clock.today()
    running = Claim.objects.filter(
        Q(status__in=OPEN_STATUSES)
        | Q(status=ClaimStatus.REJECTED, rejection_notice_at__isnull=True)
    )
    span = running.aggregate(due=Max("due_on"), promised=Max("promised_on"))
    last = max([today, *(d for d in span.values() if d is not None)])
    return list(rule_settings.calendar().missing_years(today, last))
