"""The ecosystem tests' books: a 4S shop's February (``shop_book``, the scorecards) and the
book's February (``book``, the cockpit; it stands in for the API tests' ``book`` here)."""

import datetime as dt
from decimal import Decimal

import pytest

from carecircle.core import clock
from carecircle.core.roles import Role
from carecircle.touchpoints.models import Complaint, Interaction
from carecircle.touchpoints.services import complaints
from carecircle.value.models import CustomerValue, ValueRun
from tests.factories import (
    SH,
    AgreementFactory,
    CustomerFactory,
    PartnerFactory,
    PolicyFactory,
    UserFactory,
)
from tests.factories import PlainClaimFactory as ClaimFactory


@pytest.fixture
def shop_book():
    """A 4S shop's February: 3 policies brought, 2 due (1 renewed), 2 claims sent, 1 paid."""
    shop = PartnerFactory(code="P4S001", name="杭州大众4S店")
    other = PartnerFactory(code="P4S002", name="杭州丰田4S店")
    AgreementFactory(
        partner=shop,
        agreement_no="AG-4S-001",
        premium_target_monthly=Decimal("10000"),
        repair_value_target_monthly=Decimal("3000"),
        repair_to_premium_min=Decimal("0.3"),
        repair_to_premium_max=Decimal("0.6"),
        renewal_rate_target=Decimal("0.7"),
        satisfaction_target=Decimal("4.2"),
        complaints_per_10k_max=Decimal("50"),
        repair_cost_index_max=Decimal("1.1"),
        settlement_days_max=Decimal("10"),
        commission_rate=Decimal("0.1"),
    )
    customer = CustomerFactory(name="周杰伦")
    brought = [
        PolicyFactory(
            partner=shop,
            vehicle__owner=customer if i == 0 else CustomerFactory(),
            effective_date=dt.date(2026, 2, 10 + i),
            expiry_date=dt.date(2027, 2, 10 + i),
            premium=Decimal(premium),
        )
        for i, premium in enumerate(["4000", "3000", "5000"])
    ]
    PolicyFactory(  # cancelled: not premium brought
        partner=shop,
        effective_date=dt.date(2026, 2, 15),
        expiry_date=dt.date(2027, 2, 15),
        premium=Decimal("9999"),
        cancelled_on=dt.date(2026, 2, 20),
    )
    PolicyFactory(partner=other, effective_date=dt.date(2026, 2, 5), premium=Decimal("7000"))
    due_renewed = PolicyFactory(
        partner=shop, effective_date=dt.date(2025, 2, 5), expiry_date=dt.date(2026, 2, 5)
    )
    PolicyFactory(
        vehicle=due_renewed.vehicle,
        renews=due_renewed,
        effective_date=dt.date(2026, 2, 5),
        expiry_date=dt.date(2027, 2, 5),
    )
    PolicyFactory(partner=shop, effective_date=dt.date(2025, 2, 7), expiry_date=dt.date(2026, 2, 7))
    ClaimFactory(
        claim_no="CLM-PAID",
        policy=brought[0],
        repair_shop=shop,
        amount_paid=Decimal("2000"),
        status="paid",
        paid_at=dt.datetime(2026, 2, 8, 10, 0, tzinfo=SH),
    )
    ClaimFactory(
        claim_no="CLM-OPEN", policy=brought[1], repair_shop=shop, amount_reserved=Decimal("3000")
    )
    ClaimFactory(
        claim_no="CLM-OTHER",
        repair_shop=other,
        amount_paid=Decimal("1000"),
        status="paid",
        paid_at=dt.datetime(2026, 2, 9, 10, 0, tzinfo=SH),
    )
    for score in (5, 3):
        Interaction.objects.create(
            customer=customer,
            contact_type="service",
            medium="store",
            direction="inbound",
            outcome="resolved",
            occurred_at=dt.datetime(2026, 2, 12, 11, 0, tzinfo=SH),
            partner=shop,
            satisfaction=score,
        )
    Complaint.objects.create(
        complaint_no="TS2026020001",
        customer=customer,
        channel="phone",
        category="designated_shop",
        severity="normal",
        touchpoint="claims",
        summary="修理质量差",
        received_at=dt.datetime(2026, 2, 20, 9, 0, tzinfo=SH),
        due_at=dt.datetime(2026, 3, 2, 9, 0, tzinfo=SH),
        partner=shop,
    )
    return shop, other, customer


def _value(customer, tier, premium):
    run = ValueRun.objects.filter(is_current=True).first() or ValueRun.objects.create(
        as_of=dt.date(2026, 3, 1), status="succeeded", is_current=True
    )
    return CustomerValue.objects.create(
        run=run,
        customer=customer,
        tenure_years=Decimal("3.0"),
        loss_ratio_credible=Decimal("0.5"),
        renewal_probability=Decimal("0.8"),
        value_percentile=Decimal("0.5"),
        rule_tier=tier,
        tier=tier,
        annual_premium=Decimal(premium),
    )


@pytest.fixture
def book():
    """February 2026: 2 policies written (¥8,000), 2 due (1 renewed), 1 claim closed in 4 days,
    3 contacts (2 scored), 1 complaint about the phone touchpoint; a 4S shop off its terms."""
    shop = PartnerFactory(name="城东4S店")
    AgreementFactory(partner=shop, premium_target_monthly=Decimal("50000"))
    a, b = CustomerFactory(), CustomerFactory()
    p1 = PolicyFactory(
        vehicle__owner=a,
        partner=shop,
        effective_date=dt.date(2026, 2, 3),
        expiry_date=dt.date(2027, 2, 3),
        premium=Decimal("3000"),
    )
    PolicyFactory(
        vehicle__owner=b,
        effective_date=dt.date(2026, 2, 10),
        expiry_date=dt.date(2027, 2, 10),
        premium=Decimal("5000"),
    )
    old = PolicyFactory(effective_date=dt.date(2025, 2, 20), expiry_date=dt.date(2026, 2, 20))
    PolicyFactory(
        vehicle=old.vehicle,
        renews=old,
        effective_date=dt.date(2026, 2, 20),
        expiry_date=dt.date(2027, 2, 20),
        premium=Decimal("0.01"),
        cancelled_on=dt.date(2026, 2, 21),  # a renewal cancelled: still renewed, not written
    )
    PolicyFactory(effective_date=dt.date(2025, 2, 25), expiry_date=dt.date(2026, 2, 25))
    ClaimFactory(
        policy=p1,
        status="closed",
        reported_at=dt.datetime(2026, 2, 5, 10, 0, tzinfo=SH),
        accident_at=dt.datetime(2026, 2, 5, 9, 0, tzinfo=SH),
        closed_at=dt.datetime(2026, 2, 9, 10, 0, tzinfo=SH),
    )
    for score, kind in ((5, "claims"), (4, "claims"), (None, "phone")):
        Interaction.objects.create(
            customer=a,
            contact_type=kind,
            medium="phone",
            direction="outbound",
            outcome="reached",
            occurred_at=dt.datetime(2026, 2, 11, 10, 0, tzinfo=SH),
            satisfaction=score,
        )
    handler = UserFactory(username="svc", role=Role.SERVICE_MANAGER)
    with clock.frozen_at(dt.datetime(2026, 2, 12, 10, 0, tzinfo=SH)):
        complaints.receive(
            a,
            acting_user=handler,
            channel="phone",
            category="telesales_harassment",
            severity="normal",
            touchpoint="phone",
            summary="一天三个电话",
        )
    _value(a, "gold", "3000")
    _value(b, "standard", "5000")
    return shop
