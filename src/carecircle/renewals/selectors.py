"""Read queries for the seat's workspace and the pipeline page: a fixed number of queries
per page, every row through ``restrict`` (core.access); and the contact counts the law's
checks need (``call_violations``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Sum, Value, When

from carecircle.claims.models import Claim
from carecircle.core.access import unit_subtree_ids
from carecircle.core.models import User
from carecircle.core.roles import Perm, Role, has_perm
from carecircle.parties import consent
from carecircle.parties.models import Customer
from carecircle.value.public import current_value

from . import rules
from .choices import Stage, Status
from .conf import RenewalSettings
from .models import Contact, PipelineRun, Quote, RenewalTask

QUEUE_LIMIT = 100
SCRIPTS = {
    "high_value_at_risk": "先致谢多年支持，确认专属服务与理赔快速通道，再报价；问清顾虑。/ Thank them for "
    "their years with us, confirm their dedicated service and claims fast track, then quote; "
    "ask what worries them.",
    "high_value_loyal": "简短致谢，告知续保价格与权益，提供一键续保，不多打扰。/ Brief thanks, the "
    "renewal price and entitlements, one-step renewal; do not linger.",
    "loss_making": "核实出险情况与用车习惯，按风险报价；可推荐安全检测服务。/ Check claims and "
    "driving habits, quote for the risk; offer the safety-check service.",
    "at_risk": "了解比价情况与服务感受，说明无赔款优待与增值服务。/ Ask about quotes they have "
    "and how our service felt; explain the NCD and the services.",
    "standard": "告知到期日与报价，确认联系方式与车辆信息。/ Give the expiry date and the quote; "
    "confirm contact and vehicle details.",
    "new_customer": "欢迎首次续保，介绍服务与理赔流程。/ Welcome them to their first renewal; "
    "introduce our services and the claims process.",
}
OPENING = (
    "您好，我是XX保险公司续保专员{name}，工号{employee_no}，执业证号{licence_no}，本次通话将全程录音。/ "
    "Hello, this is {name}, renewal adviser at XX Insurance, staff no. {employee_no}, licence "
    "{licence_no}; this call is recorded."
)


def queue(user, now: dt.datetime) -> list[RenewalTask]:
    """Call-backs that are due first, then by priority; tasks not yet callable, and customers
    who may not be called (no phone-marketing consent, restricted, do-not-call), last — those
    are renewed by notice, the agent or the customer calling in."""
    no_calls = Case(
        When(
            Q(customer__do_not_call_until__gte=now.date())
            | (~consent.allowing("marketing", "phone", path="customer") & Q(customer_asked=False)),
            then=Value(1),
        ),
        default=Value(0),
        output_field=IntegerField(),
    )
    due_now = Case(
        When(Q(status=Status.CALLBACK) & Q(due_at__lte=now), then=Value(0)),
        When(due_at__lte=now, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return list(
        RenewalTask.objects.restrict(user)
        .filter(assignee=user, stage__in=[Stage.RESERVED, Stage.TELESALES])
        .exclude(status=Status.WRONG_NUMBER)
        .select_related("customer", "policy__vehicle")
        .annotate(no_calls=no_calls, due_rank=due_now)
        .order_by("no_calls", "due_rank", "-priority", "expiry_date", "pk")[:QUEUE_LIMIT]
    )


@dataclass
class TaskPage:
    task: RenewalTask
    value: Any
    claims: list[Claim]
    contacts: list[Contact]
    latest_quote: Quote | None
    script: str
    opening: str


def task_page(task: RenewalTask, user) -> TaskPage:
    """What the task page shows of ``task`` (already fetched through ``restrict``): the
    customer's value, the two policies' claims, the contacts and the latest quote, each read
    as ``user`` may see it."""
    value = current_value(task.customer_id, user)
    policy_ids = [task.policy_id] + ([task.companion_id] if task.companion_id else [])
    claims = list(
        Claim.objects.restrict(user).filter(policy_id__in=policy_ids).order_by("-accident_at")[:20]
    )
    contacts = list(
        Contact.objects.restrict(user).filter(task=task).select_related("by").order_by("-at")[:30]
    )
    latest = Quote.objects.restrict(user).filter(task=task).order_by("-at", "-pk").first()
    opening = OPENING.format(
        name=getattr(user, "display_name", "") or user.get_username(),
        employee_no=getattr(user, "employee_no", "") or "—",
        licence_no=getattr(user, "licence_no", "") or "—",
    )
    return TaskPage(task, value, claims, contacts, latest, SCRIPTS.get(task.segment, ""), opening)


def pipeline_summary(user) -> dict[str, Any]:
    """The supervisor's pipeline page: open renewals by stage and segment, who holds what,
    the highest-priority renewals still waiting for capacity, and who can take them — of the
    renewals ``user`` may see (a team leader: the team's)."""
    open_tasks = RenewalTask.objects.restrict(user).open()
    return {
        "last_run": PipelineRun.objects.first(),
        "by_stage": open_tasks.values("stage")
        .annotate(n=Count("pk"), premium=Sum("premium_last_year"))
        .order_by("stage"),
        "by_segment": open_tasks.values("segment")
        .annotate(n=Count("pk"), priority=Sum("priority"))
        .order_by("-priority"),
        "by_assignee": open_tasks.filter(assignee__isnull=False)
        .values("assignee", "assignee__username", "assignee__display_name")
        .annotate(n=Count("pk"))
        .order_by("-n")[:50],
        "unassigned": list(
            open_tasks.filter(stage=Stage.TELESALES, assignee__isnull=True)
            .select_related("customer")
            .order_by("-priority")[:50]
        ),
        "seats": assignable_seats(user),
    }


def assignable_seats(user) -> QuerySet[User]:
    """The seats and agents ``user`` may give renewals to: those of their unit's subtree; a
    team leader without supervise-renewals only the team's. No one else is offered or
    accepted (another unit's seat is unknown to them)."""
    seats = User.objects.filter(role__in=[Role.SEAT, Role.SALES_AGENT], is_active=True)
    units = unit_subtree_ids(user)
    if units is not None:
        seats = seats.filter(unit_id__in=units)
    if not has_perm(user, Perm.SUPERVISE_RENEWALS):
        team = getattr(user, "team_id", None)
        seats = seats.filter(team_id=team) if team else seats.none()
    return seats.order_by("username")


def call_violations(
    task: RenewalTask, customer: Customer, now: dt.datetime, conf: RenewalSettings
) -> list[rules.Violation]:
    """Every rule a call on ``task`` would break at ``now`` (``rules.violations``), over the
    customer's contacts from every channel. Counts, not rows, and deliberately not restricted:
    the caps count every seat's, agent's and 4S shop's attempts, whoever asks."""
    contacts = Contact.objects.filter(customer=customer)
    unanswered = contacts.filter(
        at__gte=rules.day_start(customer, now, conf), connected=False
    ).count()
    since = now - dt.timedelta(days=conf.contact_cap_days)
    recent = contacts.filter(at__gte=since).count()
    return rules.violations(
        task, customer, now, conf, unanswered_today=unanswered, recent_contacts=recent,
        phone_consent=consent.allows(customer, "marketing", "phone"),
    )  # fmt: skip
