"""The daily pipeline: one renewal per expiring vehicle, channel reservation and hand-over,
sorting (清分) and assignment (责任落实)."""

import datetime as dt
from decimal import Decimal

import pytest

from carecircle.core.roles import Role
from carecircle.renewals.choices import Segment, Stage, Status
from carecircle.renewals.models import Assignment, RenewalTask
from carecircle.renewals.services.pipeline import run_pipeline
from tests.factories import CustomerFactory, PartnerFactory, PolicyFactory, UserFactory
from tests.renewals.conftest import AS_OF, expiring, make_seat

pytestmark = pytest.mark.django_db


def test_one_renewal_per_vehicle_with_the_compulsory_policy_as_companion(today):
    make_seat("s1")
    lead = expiring(50)
    run_pipeline()
    task = RenewalTask.objects.get()
    assert task.policy == lead
    assert task.companion.kind == "compulsory"
    assert task.premium_last_year == Decimal("3855.00")
    assert task.stage == Stage.TELESALES


def test_window_is_90_days_and_renewed_or_cancelled_policies_stay_out(today):
    make_seat("s1")
    expiring(90)
    expiring(91)
    expiring(-1)
    cancelled = expiring(20, compulsory=False)
    cancelled.cancelled_on = AS_OF
    cancelled.save()
    renewed = expiring(30, compulsory=False)
    PolicyFactory(
        vehicle=renewed.vehicle,
        renews=renewed,
        effective_date=renewed.expiry_date,
        expiry_date=renewed.expiry_date + dt.timedelta(days=365),
    )
    run_pipeline()
    assert list(RenewalTask.objects.values_list("expiry_date", flat=True)) == [
        AS_OF + dt.timedelta(days=90)
    ]


def test_a_second_run_the_same_day_creates_nothing_new(today):
    make_seat("s1")
    expiring(50)
    first = run_pipeline()
    second = run_pipeline()
    assert first.counts["created"] == 1
    assert second.counts["created"] == 0
    assert RenewalTask.objects.count() == 1
    assert Assignment.objects.count() == 1


def test_agent_customers_are_reserved_for_their_agent_until_45_days(today):
    make_seat("s1")
    agent = UserFactory(username="agent1", role=Role.SALES_AGENT)
    expiring(80, channel="agent", agent=agent)
    expiring(44, channel="agent", agent=agent)
    run_pipeline()
    reserved = RenewalTask.objects.get(expiry_date=AS_OF + dt.timedelta(days=80))
    assert (reserved.stage, reserved.assignee, reserved.reserved_agent) == (
        Stage.RESERVED,
        agent,
        agent,
    )
    late = RenewalTask.objects.get(expiry_date=AS_OF + dt.timedelta(days=44))
    assert late.stage == Stage.TELESALES
    assert late.assignee.username == "s1"


def test_unworked_reservation_hands_over_to_telesales_at_45_days_with_a_record(today):
    from carecircle.core import clock
    from tests.renewals.conftest import at

    seat = make_seat("s1")
    agent = UserFactory(username="agent1", role=Role.SALES_AGENT)
    shop = PartnerFactory()
    expiring(46, channel="agent", agent=agent)
    expiring(46, channel="four_s_shop", partner=shop)
    run_pipeline()
    assert set(RenewalTask.objects.values_list("stage", flat=True)) == {Stage.RESERVED}
    with clock.frozen_at(at(AS_OF + dt.timedelta(days=1), 10)):
        run = run_pipeline()
    assert run.counts["handed_over"] == 2
    assert set(RenewalTask.objects.values_list("stage", "assignee")) == {(Stage.TELESALES, seat.pk)}
    assert Assignment.objects.filter(reason="handover", from_user=agent).count() == 1


def test_sorting_uses_the_value_engine_and_priority_is_stake_times_lift(today, current_values):
    make_seat("s1")
    rich = expiring(50).customer
    poor = expiring(50).customer
    current_values(rich, tier="diamond", p="0.50", ltv="20000.00", premium="3855.00")
    current_values(poor, tier="standard", p="0.90", ltv="1000.00", premium="3855.00")
    run_pipeline()
    top = RenewalTask.objects.get(customer=rich)
    assert top.segment == Segment.HIGH_VALUE_AT_RISK
    # default lift 0.6 × 0.5 × 0.5 = 0.15; stake = the whole LTV (one vehicle)
    assert (top.value_at_stake, top.lift, top.priority) == (
        Decimal("20000.00"),
        Decimal("0.1500"),
        Decimal("3000.00"),
    )
    low = RenewalTask.objects.get(customer=poor)
    assert low.segment == Segment.STANDARD
    assert (low.lift, low.priority) == (Decimal("0.0540"), Decimal("54.00"))


def test_loss_making_customers_are_sorted_for_price_review_with_zero_stake(today, current_values):
    make_seat("s1")
    customer = expiring(50).customer
    current_values(
        customer,
        tier="standard",
        p="0.7",
        ltv="-500.00",
        premium="3855.00",
        loss_ratio="1.30",
        margin="-400.00",
    )
    run_pipeline()
    task = RenewalTask.objects.get()
    assert (task.segment, task.priority) == (Segment.LOSS_MAKING, Decimal("0.00"))


def test_continuity_skills_capacity_and_one_owner_per_customer(today):
    last_year_seat = make_seat("s-last", capacity=1)
    nev_seat = make_seat("s-nev", handles_new_energy=True)
    plain = make_seat("s-plain")
    # Last year's seat owns the customer: continuity.
    kept = expiring(50, customer=CustomerFactory(owner=last_year_seat, marketing_consent=True))
    # A new-energy car only the skilled seat may take.
    nev = expiring(50)
    nev.vehicle.new_energy = True
    nev.vehicle.save()
    # Two vehicles of one customer: one owner.
    both = CustomerFactory(marketing_consent=True)
    expiring(50, customer=both)
    expiring(60, customer=both)
    run_pipeline()
    assert RenewalTask.objects.get(policy=kept).assignee == last_year_seat
    assert RenewalTask.objects.get(policy=nev).assignee == nev_seat
    owners = set(RenewalTask.objects.filter(customer=both).values_list("assignee", flat=True))
    assert len(owners) == 1
    both.refresh_from_db()
    assert both.owner_id in owners
    reasons = set(Assignment.objects.values_list("reason", flat=True))
    assert {"continuity", "skill", "same_customer"} <= reasons
    assert plain.pk in set(RenewalTask.objects.values_list("assignee", flat=True)) | {plain.pk}


def test_tasks_beyond_every_seats_capacity_wait_in_the_pool(today, settings):
    settings.CARECIRCLE = {**settings.CARECIRCLE, "RENEWALS": {"queue_horizon_days": 1}}
    make_seat("tiny", capacity=2)
    for _ in range(3):
        expiring(50)
    run = run_pipeline()
    assert (run.counts["assigned"], run.counts["unassigned"]) == (2, 1)


def test_renewal_done_elsewhere_closes_the_task_with_attribution(today):
    from carecircle.core import clock
    from tests.renewals.conftest import at

    make_seat("s1")
    agent = UserFactory(username="agent1", role=Role.SALES_AGENT)
    lead = expiring(40)
    run_pipeline()
    PolicyFactory(
        vehicle=lead.vehicle,
        renews=lead,
        channel="agent",
        agent=agent,
        effective_date=lead.expiry_date,
        expiry_date=lead.expiry_date + dt.timedelta(days=365),
    )
    with clock.frozen_at(at(AS_OF + dt.timedelta(days=1), 10)):
        run = run_pipeline()
    task = RenewalTask.objects.get()
    assert run.counts["renewed_elsewhere"] == 1
    assert (task.status, task.stage, task.renewed_channel, task.renewed_by) == (
        Status.RENEWED,
        Stage.DONE,
        "agent",
        agent,
    )


def test_unworked_renewals_expire_after_the_expiry_date(today):
    from carecircle.core import clock
    from tests.renewals.conftest import at

    make_seat("s1")
    expiring(1)
    run_pipeline()
    with clock.frozen_at(at(AS_OF + dt.timedelta(days=3), 10)):
        run = run_pipeline()
    assert run.counts["expired"] == 1
    assert RenewalTask.objects.get().status == Status.EXPIRED


def test_the_build_command_prints_the_counts(today):
    import json
    from io import StringIO

    from django.core.management import call_command

    make_seat("s1")
    expiring(50)
    out = StringIO()
    call_command("renewals", "build", "--json", stdout=out, stderr=StringIO())
    counts = json.loads(out.getvalue())
    assert (counts["created"], counts["assigned"], counts["unassigned"]) == (1, 1, 0)


def test_a_reservation_the_agent_worked_stays_with_the_agent_until_30_days(today, settings):
    from carecircle.core import clock
    from carecircle.renewals.services import workspace
    from tests.renewals.conftest import at

    settings.CARECIRCLE_CTI = "carecircle.renewals.cti.NeverConnects"
    make_seat("s1")
    agent = UserFactory(username="agent1", role=Role.SALES_AGENT)
    expiring(40, channel="agent", agent=agent)
    with clock.frozen_at(at(AS_OF - dt.timedelta(days=10), 10)):  # 50 days before expiry
        run_pipeline()
    task = RenewalTask.objects.get()
    assert task.stage == Stage.RESERVED
    settings.CARECIRCLE = {**settings.CARECIRCLE, "RENEWALS": {"earliest_call_days": 60}}
    with clock.frozen_at(at(AS_OF - dt.timedelta(days=10), 11)):
        contact = workspace.place_call(task, agent)
    assert contact.channel == "agent"
    settings.CARECIRCLE = {**settings.CARECIRCLE, "RENEWALS": {}}
    run_pipeline()  # 40 days before expiry: worked, so still the agent's
    task.refresh_from_db()
    assert (task.stage, task.assignee) == (Stage.RESERVED, agent)
    with clock.frozen_at(at(AS_OF + dt.timedelta(days=10), 10)):  # 30 days: released
        run_pipeline()
    task.refresh_from_db()
    assert task.stage == Stage.TELESALES and task.assignee.username == "s1"
