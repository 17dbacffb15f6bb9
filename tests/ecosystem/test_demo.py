"""The ecosystem demo step seeds agreements, complaints, surveys, referrals, messages and the
aggregates, and is idempotent; the cockpit's queries do not grow with the book."""

import datetime as dt
import io
from decimal import Decimal

import pytest

from carecircle.core import clock
from carecircle.core.roles import Role
from carecircle.ecosystem import demo
from carecircle.ecosystem.models import Agreement, BookMonth
from carecircle.notify.models import Message
from carecircle.touchpoints.models import Complaint, Referral
from tests.factories import SH, CustomerFactory, PartnerFactory, PolicyFactory, UserFactory
from tests.factories import PlainClaimFactory as ClaimFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 10, 10, 0, tzinfo=SH)


@pytest.fixture
def small_book():
    UserFactory(username="manager", role=Role.MANAGER)
    UserFactory(username="service", role=Role.SERVICE_MANAGER)
    shop = PartnerFactory(name="演示4S店")
    UserFactory(username="partner", role=Role.PARTNER_USER, partner=shop)
    for n in range(12):
        customer = CustomerFactory(marketing_consent=n % 2 == 0)
        policy = PolicyFactory(
            vehicle__owner=customer,
            partner=shop,
            effective_date=dt.date(2026, 2, 1 + n),
            expiry_date=dt.date(2027, 2, 1 + n),
            premium=Decimal("3000"),
        )
        ClaimFactory(
            policy=policy,
            repair_shop=shop,
            status="closed",
            amount_paid=Decimal("1500"),
            paid_at=dt.datetime(2026, 2, 20, 10, 0, tzinfo=SH),
            closed_at=dt.datetime(2026, 2, 21, 10, 0, tzinfo=SH),
        )
    return shop


def test_the_demo_step_seeds_everything_once(small_book):
    with clock.frozen_at(NOW):
        demo.seed(io.StringIO())
        counts = (
            Agreement.objects.count(),
            Complaint.objects.count(),
            Referral.objects.count(),
            Message.objects.count(),
        )
        demo.seed(io.StringIO())
    assert counts[0] == 1 and counts[1] == 50 and counts[2] == 30
    assert counts[3] > 50
    assert (
        Agreement.objects.count(),
        Complaint.objects.count(),
        Referral.objects.count(),
        Message.objects.count(),
    ) == counts
    # one total per month for the rows with no unit (机构), one per unit with business
    assert BookMonth.objects.filter(dimension="total", unit__isnull=True).count() == 13


def test_the_cockpit_runs_a_fixed_number_of_queries(
    client, small_book, django_assert_max_num_queries
):
    with clock.frozen_at(NOW):
        demo.seed(io.StringIO())
        client.login(username="manager", password="pw-for-tests-1")
        client.get("/ecosystem/?month=2026-02")
        with django_assert_max_num_queries(20):
            response = client.get("/ecosystem/?month=2026-02")
    assert response.status_code == 200
    assert "¥36,000.00" in response.content.decode()
