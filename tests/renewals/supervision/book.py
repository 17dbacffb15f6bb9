"""A hand-built book for the supervision figures: two teams, four renewals due in May 2026
and two outside it, with their calls, quotes and blocked attempts (``build_book``)."""

import datetime as dt
from decimal import Decimal

from carecircle.core.roles import Role
from carecircle.renewals.choices import Segment, Stage, Status
from carecircle.renewals.models import ComplianceBlock, Contact, Quote, RenewalTask
from carecircle.renewals.supervision.scope import Period
from tests.factories import CustomerFactory, PolicyFactory, TeamFactory, UserFactory
from tests.renewals.conftest import AS_OF, at, expiring

MAY = Period.containing("month", AS_OF)
_keys = iter(range(1, 1_000_000))


def task(
    lead, assignee, *, status=Status.OPEN, premium, attempts=0, stage=None, **fields
) -> RenewalTask:
    closed = status not in (Status.OPEN, Status.CALLBACK, Status.QUOTED)
    return RenewalTask.objects.create(
        policy=lead,
        companion=lead.vehicle.policies.filter(kind="compulsory").first(),
        customer=lead.customer,
        expiry_date=lead.expiry_date,
        premium_last_year=Decimal(premium),
        stage=stage or (Stage.DONE if closed else Stage.TELESALES),
        status=status,
        segment=fields.pop("segment", Segment.STANDARD),
        lift=Decimal("0.1"),
        assignee=assignee,
        attempts=attempts,
        **fields,
    )


def contact(t, by, when, *, connected=False, outcome="not_reached", **fields) -> Contact:
    return Contact.objects.create(
        task=t,
        customer=t.customer,
        channel="telesales",
        by=by,
        at=when,
        connected=connected,
        outcome=outcome,
        idempotency_key=f"k{next(_keys)}",
        **fields,
    )


def successor(old, premium) -> object:
    return PolicyFactory(
        kind=old.kind,
        vehicle=old.vehicle,
        customer=old.customer,
        renews=old,
        effective_date=old.expiry_date,
        expiry_date=old.expiry_date + dt.timedelta(days=365),
        premium=Decimal(premium),
        channel="telesales",
    )


def build_book() -> dict:
    """Two teams. May 2026 (AS_OF = 1 May) has four renewals due:

    T1 s1 renewed by phone: ¥3,000 + ¥855 compulsory last year → ¥3,100 + ¥855 written;
    T2 s1 lost on price to 平安 at ¥1,800 against our last quote ¥2,100 (¥2,000 last year);
    T3 s2 open, three unanswered attempts (one in April), ¥5,000, city 宁波 → overdue;
    T4 s2 renewed by the agent at ¥4,200 (¥4,000 last year), never reached by a seat;
    outside May: T5 unassigned, expiring 20 June (not overdue yet); T6 s1 expiring 2 June,
    never reached → overdue (33-day checkpoint: everything open expiring by 3 June).
    """
    team_a = TeamFactory(name="电销一组")
    team_b = TeamFactory(name="电销二组")
    leader = UserFactory(username="lead_a", role=Role.SEAT, team=team_a, display_name="组长甲")
    team_a.leader = leader
    team_a.save()
    s1 = UserFactory(username="s1", role=Role.SEAT, team=team_a, display_name="坐席一")
    s2 = UserFactory(username="s2", role=Role.SEAT, team=team_b, display_name="坐席二")
    owned = {"owner": s1}

    lead1 = expiring(9, customer=CustomerFactory(**owned))
    t1 = task(lead1, s1, status=Status.RENEWED, premium="3855.00", attempts=2)
    t1.successor = successor(lead1, "3100.00")
    successor(t1.companion, "855.00")
    t1.save()
    contact(t1, s1, at(AS_OF - dt.timedelta(days=1), 23, 30))  # April: not in May's activity
    contact(t1, s1, at(AS_OF, 9, 30), connected=True, outcome="renewed", recording_ref="r1")

    lead2 = expiring(19, customer=CustomerFactory(**owned), premium="2000.00", compulsory=False)
    t2 = task(
        lead2,
        s1,
        status=Status.LOST,
        premium="2000.00",
        attempts=1,
        lost_reason="price",
        competitor="平安",
        competitor_price=Decimal("1800.00"),
        segment=Segment.HIGH_VALUE_AT_RISK,
        tier="gold",
    )
    contact(t2, s1, at(AS_OF, 9, 40), connected=True, outcome="lost", recording_ref="r2")
    for total, day in (("2300.00", AS_OF - dt.timedelta(days=3)), ("2100.00", AS_OF)):
        quote = Quote.objects.create(
            task=t2,
            by=s1,
            base_premium=Decimal("2000.00"),
            ncd_level=0,
            ncd_coefficient=Decimal("1.000"),
            pricing_coefficient=Decimal("1.000"),
            traffic_violation_coefficient=Decimal("1.000"),
            commercial_premium=Decimal(total),
            total=Decimal(total),
            last_year_total=Decimal("2000.00"),
        )
        Quote.objects.filter(pk=quote.pk).update(at=at(day, 9, 35))  # at is auto_now_add

    lead3 = expiring(14, customer=CustomerFactory(city="宁波", owner=s2), premium="4145.00")
    t3 = task(lead3, s2, premium="5000.00", attempts=3)
    contact(t3, s2, at(AS_OF - dt.timedelta(days=2), 10))
    contact(t3, s2, at(AS_OF, 9, 10))
    contact(t3, s2, at(AS_OF, 9, 50))

    lead4 = expiring(24, customer=CustomerFactory(owner=s2), premium="4000.00", compulsory=False)
    lead4.channel = "agent"
    lead4.save()
    t4 = task(lead4, s2, status=Status.RENEWED, premium="4000.00", renewed_channel="agent")
    t4.successor = successor(lead4, "4200.00")
    t4.save()

    task(expiring(50), None, premium="3855.00")
    task(expiring(32, customer=CustomerFactory(**owned)), s1, premium="3855.00")

    ComplianceBlock.objects.create(
        task=t3, customer=t3.customer, by=s2, at=at(AS_OF, 8, 59), rule="calling_hours", message="x"
    )
    ComplianceBlock.objects.create(
        task=t1,
        customer=t1.customer,
        by=s1,
        at=at(AS_OF - dt.timedelta(days=1), 21, 5),
        rule="calling_hours",
        message="x",
    )
    manager = UserFactory(username="boss", role=Role.MANAGER)
    return {"manager": manager, "leader": leader, "s1": s1, "s2": s2, "t2": t2}


def rows(board):
    return {r.label: r for r in board.rows}


def grow(book, extra: int) -> None:
    """More renewals, contacts, quotes and blocks for more seats, teams and cities."""
    for n in range(extra):
        team = TeamFactory()
        seat = UserFactory(role=Role.SEAT, team=team, display_name=f"加{n}")
        customer = CustomerFactory(owner=seat, city=f"城{n}")
        t = task(
            expiring(5 + n, customer=customer),
            seat,
            status=Status.LOST,
            premium="1000.00",
            lost_reason="service",
            competitor=f"对手{n}",
        )
        contact(t, seat, at(AS_OF, 9, n % 50), connected=True, outcome="lost", recording_ref="r")
        ComplianceBlock.objects.create(
            task=t, customer=customer, by=seat, at=at(AS_OF, 9), rule="do_not_call", message="x"
        )
