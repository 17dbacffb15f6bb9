"""Demo data for renewals: seat profiles, today's pipeline, and yesterday's calls so the
queue, the task page and the supervisors' dashboards have something real to show (accepted
offers mostly paid through the payment simulator, so renewals are issued policies)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.utils import timezone

from carecircle.core import clock
from carecircle.core.errors import DomainError
from carecircle.core.models import User
from carecircle.core.roles import Role
from carecircle.policies.payments.services import receive, start_payment
from carecircle.policies.payments.simulator import SimulatorGateway

from .choices import LostReason, Stage
from .models import PipelineRun, RenewalTask, SeatProfile
from .services import workspace
from .services.pipeline import run_pipeline

GENERATED_SEATS = 6  # besides the demo logins, so the work is shared
CALLS_PER_SEAT = 25
OUTCOMES = ["accepted", "callback", "lost", "refused", "quoted"]
WEIGHTS = [40, 25, 15, 5, 15]
PAID_SHARE = 0.8  # accepted offers the customer paid the same day (the rest await payment)
COMPETITORS = ["平安 / Ping An", "人保 / PICC", "太保 / CPIC"]


def _profiles() -> list[User]:
    seats = list(User.objects.filter(username__in=["seat", "teamlead"]))
    seats += list(
        User.objects.filter(role=Role.SEAT, is_active=True)
        .exclude(username__in=["seat", "teamlead"])
        .order_by("username")[:GENERATED_SEATS]
    )
    for user in seats:
        SeatProfile.objects.get_or_create(
            user=user,
            defaults={
                "daily_capacity": 40,
                "handles_companies": user.username in ("teamlead", "seat"),
                "handles_new_energy": True,
            },
        )
    return seats


def _work_a_day(seat: User, day: dt.date, rng: random.Random) -> None:
    tasks = list(
        RenewalTask.objects.filter(assignee=seat, stage=Stage.TELESALES, attempts=0)
        .filter(expiry_date__lte=day + dt.timedelta(days=40), customer__marketing_consent=True)
        .order_by("-priority")[:CALLS_PER_SEAT]
    )
    for n, task in enumerate(tasks):
        moment = timezone.make_aware(dt.datetime.combine(day, dt.time(9, 30))) + dt.timedelta(
            minutes=12 * n
        )
        with clock.frozen_at(moment):
            try:
                contact = workspace.place_call(task, seat)
                if not contact.connected:
                    workspace.record_outcome(
                        task,
                        seat,
                        "not_reached",
                        idempotency_key=f"demo-{task.pk}",
                        contact=contact,
                    )
                    continue
                outcome = rng.choices(OUTCOMES, WEIGHTS)[0]
                data: dict[str, Any] = {}
                if outcome in ("accepted", "quoted"):
                    workspace.make_quote(task, seat)
                if outcome == "callback":
                    data["callback_at"] = moment + dt.timedelta(days=1, hours=2)
                if outcome == "lost":
                    data.update(
                        lost_reason=rng.choice(LostReason.values),
                        competitor=rng.choice(COMPETITORS),
                        competitor_price=(task.premium_last_year * Decimal("0.9")).quantize(
                            Decimal("0.01")
                        ),
                    )
                workspace.record_outcome(
                    task, seat, outcome, idempotency_key=f"demo-{task.pk}", contact=contact, **data
                )
                if outcome == "accepted" and rng.random() < PAID_SHARE:
                    _customer_pays(task)
            except DomainError:
                continue  # the rules said no (consent, do-not-call): as on a real day


def _customer_pays(task: RenewalTask) -> None:
    """The customer pays through the simulator: its signed notification issues the policy."""
    proposal = RenewalTask.objects.get(pk=task.pk).proposal
    if proposal is None:
        return
    order = start_payment(proposal)
    body, headers = SimulatorGateway().notification(order.reference, order.amount)
    receive(SimulatorGateway.name, body, headers)


def seed(stdout: Any) -> None:
    """Idempotent: the pipeline is built once per day; yesterday's calls only once."""
    seats = _profiles()
    today = clock.today()
    if not PipelineRun.objects.filter(as_of=today).exists():
        yesterday = today - dt.timedelta(days=1)
        with clock.frozen_at(timezone.make_aware(dt.datetime.combine(yesterday, dt.time(8)))):
            run_pipeline(yesterday)
        rng = random.Random(7)
        for seat in seats:
            if seat.username != "seat":  # leave the demo seat a fresh queue
                _work_a_day(seat, yesterday, rng)
        run = run_pipeline(today)
        stdout.write(f"  renewals: {run.counts}")
