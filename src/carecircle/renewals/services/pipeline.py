"""The daily renewal pipeline: new tasks for policies nearing expiry, stages, 清分, closing
what was renewed elsewhere or expired; then 责任落实 (``services.assign``).

Set-based throughout (one query per table, bulk writes) so 100,000 expiring policies build
in seconds (benchmarks/renewals_pipeline.py). Idempotent: a second run the same day
changes nothing but the recomputed priorities.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from decimal import Decimal

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from carecircle.core import clock
from carecircle.core.bulk import insert_rows, update_rows
from carecircle.core.roles import Role
from carecircle.policies.choices import Channel, PolicyKind
from carecircle.policies.models import Policy
from carecircle.value.public import current_values

from .. import rules
from ..choices import AssignReason, ContactChannel, Stage, Status
from ..conf import RenewalSettings, renewal_settings
from ..models import Assignment, Contact, PipelineRun, RenewalTask
from .assign import assign_open_tasks

CHANNEL_OWNED = frozenset(
    {
        Channel.AGENT,
        Channel.FOUR_S_SHOP,
        Channel.USED_CAR_DEALER,
        Channel.INTERMEDIARY,
        Channel.REPAIR_SHOP,
    }
)
BATCH = 2000
Progress = Callable[[str], None]


def _signals(customer_ids: set[int]) -> dict[int, rules.CustomerSignal]:
    rows = (
        current_values()
        .filter(customer_id__in=customer_ids)
        .values_list(
            "customer_id",
            "tier",
            "renewal_probability",
            "lifetime_value",
            "annual_premium",
            "loss_ratio_credible",
            "annual_margin",
        )
        .iterator(chunk_size=10_000)
    )
    return {row[0]: rules.CustomerSignal(*row[1:]) for row in rows}


def _lifts(conf: RenewalSettings) -> tuple[dict[int, Decimal] | None, str]:
    closed = RenewalTask.objects.filter(stage=Stage.DONE).exclude(status=Status.EXPIRED)
    contacted = Contact.objects.filter(task=OuterRef("pk"), connected=True)
    rows = closed.annotate(was_contacted=Exists(contacted)).values_list(
        "renewal_probability", "was_contacted", "status"
    )
    history = [(p, c, s == Status.RENEWED) for p, c, s in rows.iterator(chunk_size=10_000)]
    lifts = rules.lift_from_history(history, conf.min_history_contacts)
    return (dict(lifts), "history") if lifts else (None, "default")


def _expiring(as_of: dt.date, conf: RenewalSettings) -> list[tuple]:
    """(lead policy fields…, companion id) for vehicles whose cover ends in the window and
    that have no renewal task yet, one row per vehicle and expiry date."""
    horizon = as_of + dt.timedelta(days=conf.reserve_days)
    renewed = Policy.objects.filter(renews=OuterRef("pk"))
    rows = (
        Policy.objects.filter(
            expiry_date__gte=as_of, expiry_date__lte=horizon, cancelled_on__isnull=True
        )
        # NOT EXISTS, not a LEFT JOIN … IS NULL: with statistics taken while the renewal
        # table was small, the join form compared 1.5 billion rows (124 s vs 1.5 s).
        .exclude(Exists(RenewalTask.objects.filter(policy=OuterRef("pk"))))
        .exclude(Exists(RenewalTask.objects.filter(companion=OuterRef("pk"))))
        .exclude(Exists(renewed))
        .values_list(
            "pk",
            "kind",
            "vehicle_id",
            "expiry_date",
            "customer_id",
            "premium",
            "channel",
            "agent_id",
            "agent__role",
            "agent__is_active",
            "partner_id",
            "unit_id",  # 机构: the renewal is worked where the expiring policy was issued
        )
        .order_by("vehicle_id", "expiry_date", "kind")  # "commercial" < "compulsory"
    )
    groups: dict[tuple[int, dt.date], list[tuple]] = {}
    for row in rows.iterator(chunk_size=10_000):
        groups.setdefault((row[2], row[3]), []).append(row)
    found = []
    for members in groups.values():
        lead = members[0]
        companion = next(
            (m for m in members[1:] if m[1] == PolicyKind.COMPULSORY and lead[1] != m[1]), None
        )
        premium = lead[5] + (companion[5] if companion else Decimal("0"))
        found.append((lead, companion[0] if companion else None, premium))
    return found


def _reservation(lead: tuple) -> tuple[int | None, int | None]:
    """(reserved agent id, reserved partner id) for a channel-owned policy."""
    channel, agent_id, agent_role, agent_active, partner_id = lead[6:11]
    if channel not in CHANNEL_OWNED:
        return None, None
    if agent_id and agent_role == Role.SALES_AGENT and agent_active:
        return agent_id, None
    if partner_id:
        return None, partner_id
    return None, None


def _call_from(expiry: dt.date, conf: RenewalSettings) -> dt.datetime:
    day = expiry - dt.timedelta(days=conf.earliest_call_days)
    return timezone.make_aware(dt.datetime.combine(day, conf.call_start))


def _sorted_fields(signal, premium: Decimal, lifts, conf: RenewalSettings) -> list:
    """清分 of one renewal: (tier, probability, segment, value at stake, lift, priority)."""
    p = signal.renewal_probability if signal else rules.FALLBACK_PROBABILITY
    stake = rules.value_at_stake(signal, premium)
    lift = lifts[rules.probability_band(p)] if lifts else rules.default_lift(p, conf.default_lift_k)
    return [
        signal.tier if signal else "",
        p,
        rules.segment(signal),
        stake,
        lift,
        rules.priority(stake, lift),
    ]


SORT_FIELDS = ("tier", "renewal_probability", "segment", "value_at_stake", "lift", "priority")


def create_new_tasks(as_of: dt.date, conf: RenewalSettings, lifts) -> int:
    """New renewals are sorted before they are written, so each row is written once here
    (the sort below then finds nothing changed) and once more when it is assigned."""
    found = _expiring(as_of, conf)
    signals = _signals({lead[4] for lead, _, _ in found})
    tasks = []
    for lead, companion_id, premium in found:
        agent_id, partner_id = _reservation(lead)
        days = (lead[3] - as_of).days
        reserved = bool(agent_id or partner_id) and days > conf.handover_days
        tasks.append(
            RenewalTask(
                policy_id=lead[0],
                companion_id=companion_id,
                customer_id=lead[4],
                unit_id=lead[11],
                expiry_date=lead[3],
                premium_last_year=premium,
                stage=Stage.RESERVED if reserved else Stage.TELESALES,
                reserved_agent_id=agent_id if reserved else None,
                reserved_partner_id=partner_id if reserved else None,
                assignee_id=agent_id if reserved else None,
                due_at=_call_from(lead[3], conf),
                **dict(
                    zip(
                        SORT_FIELDS,
                        _sorted_fields(signals.get(lead[4]), premium, lifts, conf),
                        strict=True,
                    )
                ),
            )
        )
    return insert_rows(RenewalTask, tasks)


def close_renewed_elsewhere(now: dt.datetime) -> int:
    """Open tasks whose policy already has a successor (renewed by an agent, a 4S shop or the
    customer online): attributed to the successor's channel, never renewed twice."""
    successors = {
        renews_id: (pk, channel, agent_id)
        for pk, renews_id, channel, agent_id in Policy.objects.filter(
            renews__renewal_task__stage__in=[Stage.RESERVED, Stage.TELESALES]
        ).values_list("pk", "renews_id", "channel", "agent_id")
    }
    if not successors:
        return 0
    tasks = RenewalTask.objects.open().filter(policy_id__in=successors)
    rows = [
        (task_pk, Stage.DONE, Status.RENEWED, now, *successors[policy_id])
        for task_pk, policy_id in tasks.values_list("pk", "policy_id")
    ]
    fields = ("stage", "status", "closed_at", "successor", "renewed_channel", "renewed_by")
    return update_rows(RenewalTask, fields, rows)


def close_expired(as_of: dt.date, now: dt.datetime) -> int:
    return (
        RenewalTask.objects.open()
        .filter(expiry_date__lt=as_of)
        .update(stage=Stage.DONE, status=Status.EXPIRED, closed_at=now, locked_by=None)
    )


def hand_over(as_of: dt.date, conf: RenewalSettings) -> int:
    """Reserved renewals go to telesales at 45 days when the channel has not worked them,
    and at 30 days in any case (渠道协同); the hand-off is recorded as an assignment."""
    channel_worked = Contact.objects.filter(
        task=OuterRef("pk"), channel__in=[ContactChannel.AGENT, ContactChannel.FOUR_S_SHOP]
    )
    due = RenewalTask.objects.filter(stage=Stage.RESERVED).filter(
        Q(expiry_date__lte=as_of + dt.timedelta(days=conf.release_days))
        | (
            Q(expiry_date__lte=as_of + dt.timedelta(days=conf.handover_days))
            & ~Exists(channel_worked)
        )
    )
    handed = list(due.values_list("pk", "assignee_id"))
    if not handed:
        return 0
    Assignment.objects.bulk_create(
        [
            Assignment(
                task_id=pk, from_user_id=assignee, to_user=None, reason=AssignReason.HANDOVER
            )
            for pk, assignee in handed
        ],
        batch_size=BATCH,
    )
    RenewalTask.objects.filter(pk__in=[pk for pk, _ in handed]).update(
        stage=Stage.TELESALES, assignee=None, locked_by=None
    )
    return len(handed)


def sort_open_tasks(conf: RenewalSettings, lifts) -> int:
    """清分 every open task again with today's values and lift; writes only changes."""
    tasks = list(
        RenewalTask.objects.open().values_list(
            "pk", "customer_id", "premium_last_year", *SORT_FIELDS
        )
    )
    signals = _signals({t[1] for t in tasks})
    changed = []
    for pk, customer_id, premium, *before in tasks:
        after = _sorted_fields(signals.get(customer_id), premium, lifts, conf)
        if after != before:  # most renewals keep yesterday's figures
            changed.append((pk, *after))
    update_rows(RenewalTask, SORT_FIELDS, changed)
    return len(changed)


def run_pipeline(as_of: dt.date | None = None, progress: Progress | None = None) -> PipelineRun:
    """Build today's pipeline: create, close, hand over, sort, assign. One transaction, so
    a failure leaves yesterday's pipeline as it was."""
    conf = renewal_settings()
    as_of = as_of or clock.today()
    now = clock.now()
    say = progress or (lambda _msg: None)
    started = time.perf_counter()
    counts: dict[str, int] = {}
    with transaction.atomic():
        counts["renewed_elsewhere"] = close_renewed_elsewhere(now)
        counts["expired"] = close_expired(as_of, now)
        say(f"closed {counts['renewed_elsewhere']} renewed elsewhere, {counts['expired']} expired")
        lifts, source = _lifts(conf)
        counts["created"] = create_new_tasks(as_of, conf, lifts)
        say(f"created and sorted {counts['created']} renewal tasks (lift from {source})")
        counts["handed_over"] = hand_over(as_of, conf)
        counts["resorted"] = sort_open_tasks(conf, lifts)
        say(f"re-sorted {counts['resorted']} open tasks whose figures changed")
        counts.update(assign_open_tasks(conf, now))
        say(f"assigned {counts['assigned']}; {counts['unassigned']} wait for capacity")
        run = PipelineRun.objects.create(
            as_of=as_of, counts=counts, lift_source=source, seconds=time.perf_counter() - started
        )
    return run
