"""A customer with a history in every domain (the customer 360's and the journey's test book):
a renewal chain, claims, interactions of the five contact types, and the contacts kept
outside Interaction (claim steps, redemptions, renewal calls)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from carecircle.claims.models import Claim
from carecircle.core import clock

from .alliance import OfferFactory, RedemptionFactory, VoucherFactory
from .claims import ClaimTransitionFactory, RegisteredClaimFactory
from .core import SH, make_vin
from .parties import CustomerFactory, VehicleFactory
from .policies import CoverageFactory, PolicyFactory
from .renewals import ContactFactory, RenewalTaskFactory
from .touchpoints import InteractionFactory


def _years_ago(day: dt.date, years: int) -> dt.date:
    return dt.date(day.year - years, day.month, min(day.day, 28))


INTERACTIONS = [
    ("sales", "visit", "inbound", "4S店购车时投保 / insured when buying the car", "sold", 5),
    (
        "phone",
        "phone",
        "outbound",
        "续保提醒，客户有意向 / renewal call, interested",
        "interested",
        None,
    ),
    (
        "claims",
        "phone",
        "inbound",
        "报案：追尾，已派查勘 / reported a rear-end collision",
        "resolved",
        4,
    ),
    ("service", "store", "inbound", "免费洗车券核销 / car-wash voucher redeemed", "resolved", 5),
    (
        "brand",
        "wechat",
        "inbound",
        "参与满意度调查 / answered a satisfaction survey",
        "informed",
        4,
    ),
]


def customer_with_history(**customer_kwargs):
    """A customer with one car, three commercial years linked by ``renews`` (the newest in
    force today), a compulsory policy, coverages, two claims and one interaction of each of
    the five contact types."""
    customer_kwargs.setdefault("gender", "M")
    customer_kwargs.setdefault("birth_date", dt.date(1982, 7, 16))
    customer = CustomerFactory(**customer_kwargs)
    car = VehicleFactory(owner=customer, plate="浙A12345", vin=make_vin(12345))
    latest_start = clock.today() - dt.timedelta(days=100)
    years = []
    previous = None
    for k, year in enumerate((2023, 2024, 2025)):
        start = _years_ago(latest_start, 2 - k)
        previous = PolicyFactory(
            vehicle=car,
            policy_no=f"PDAA{year}330100000001",
            effective_date=start,
            expiry_date=_years_ago(start, -1),
            premium=Decimal("2760.00") - k * Decimal("300.00"),
            ncd_level=-k,
            ncd_coefficient=[Decimal("1.000"), Decimal("0.800"), Decimal("0.700")][k],
            renews=previous,
            channel="four_s_shop" if k == 0 else "telesales",
        )
        years.append(previous)
    compulsory = PolicyFactory(
        vehicle=car,
        kind="compulsory",
        policy_no="PDZA2025330100000001",
        effective_date=latest_start,
        expiry_date=_years_ago(latest_start, -1),
        premium=Decimal("855.00"),
        ncd_level=None,
        ncd_coefficient=None,
    )
    CoverageFactory(policy=years[-1], code="vehicle_damage", limit=Decimal("150000.00"))
    CoverageFactory(
        policy=years[-1], code="third_party", limit=Decimal("2000000.00"), premium=Decimal("560")
    )
    for policy, claim_no, status, amount in (
        (years[0], "RDAA2023000000000001", "closed", "1800.00"),
        (years[-1], "RDAA2025000000000001", "registered", "3200.00"),
    ):
        accident = dt.datetime.combine(
            policy.effective_date + dt.timedelta(days=40), dt.time(9, 30), tzinfo=SH
        )
        RegisteredClaimFactory(
            policy=policy,
            claim_no=claim_no,
            status=status,
            accident_at=accident,
            reported_at=accident + dt.timedelta(minutes=50),
            amount_reserved=Decimal(amount),
            amount_paid=Decimal(amount) if status == "closed" else Decimal("0.00"),
        )
    now = clock.now()
    for k, (kind, medium, direction, summary, outcome, score) in enumerate(INTERACTIONS):
        InteractionFactory(
            customer=customer,
            contact_type=kind,
            medium=medium,
            direction=direction,
            summary=summary,
            outcome=outcome,
            satisfaction=score,
            occurred_at=now - dt.timedelta(days=30 * (5 - k)),
        )
    return customer, car, years, compulsory


def other_contacts(customer, *, n: int = 1, claim=None, staff=None, days=(45, 75, 10)):
    """``n`` each of the contacts kept outside Interaction: claim steps (on ``claim``, else the
    customer's newest claim), completed alliance redemptions (one voucher each) and renewal
    calls (on one renewal task of the customer's newest commercial policy). The first of each
    kind happens ``days`` ago (step, redemption, call), the others a minute apart before it."""
    now = clock.now()
    claim = claim or Claim.objects.filter(policy__customer=customer).latest("accident_at")
    offer = OfferFactory()
    policy = customer.policies.filter(kind="commercial").latest("effective_date")
    task = RenewalTaskFactory(policy=policy, customer=customer, assignee=staff)
    step_days, redemption_days, call_days = days
    for k in range(n):
        ClaimTransitionFactory(
            claim=claim,
            action="assess",
            from_status="registered",
            to_status="assessed",
            actor=staff,
            at=now - dt.timedelta(days=step_days, minutes=k),
        )
        voucher = VoucherFactory(customer=customer, product=offer.product, status="redeemed")
        RedemptionFactory(
            voucher=voucher,
            offer=offer,
            redeemed_at=now - dt.timedelta(days=redemption_days, minutes=k),
        )
        ContactFactory(
            task=task,
            customer=customer,
            channel="telesales",
            by=staff,
            at=now - dt.timedelta(days=call_days, minutes=k),
            outcome="quoted",
            connected=True,
            idempotency_key=f"timeline-{task.pk}-{k}",
        )
    return claim, task
