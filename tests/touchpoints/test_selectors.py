"""Touchpoints' figures: the regulator's complaint rates, survey results per touchpoint, staff,
partner and branch."""

import datetime as dt
from decimal import Decimal

import pytest

from carecircle.core import clock
from carecircle.core.roles import Role
from carecircle.touchpoints import selectors
from carecircle.touchpoints.models import Complaint
from carecircle.touchpoints.services import surveys
from tests.factories import SH, CustomerFactory, PartnerFactory, PolicyFactory, UserFactory
from tests.touchpoints.services.test_surveys import _send

pytestmark = pytest.mark.django_db
RECEIVED = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SH)
SENT = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SH)


def head_office():
    """A head-office manager: the figures over the whole book."""
    return UserFactory(username="hq-figures", role=Role.MANAGER)


def test_the_regulators_rates_per_10k_policies_and_per_100m_premium():
    for premium in ("3000", "5000"):
        PolicyFactory(
            effective_date=dt.date(2026, 3, 1),
            expiry_date=dt.date(2027, 3, 1),
            premium=Decimal(premium),
        )
    customer = CustomerFactory()
    for n in range(2):
        Complaint.objects.create(
            complaint_no=f"T{n}",
            customer=customer,
            channel="phone",
            category="speed",
            severity="normal",
            touchpoint="claims",
            summary="x",
            received_at=RECEIVED,
            due_at=RECEIVED,
        )
    start = dt.datetime(2026, 3, 1, tzinfo=SH)
    rates = selectors.complaint_rates(
        start, dt.datetime(2026, 4, 1, tzinfo=SH), dt.date(2026, 3, 31), head_office()
    )
    assert rates["complaints"] == 2
    assert rates["per_10k_policies"] == Decimal("10000.00")  # 2 complaints on 2 policies
    assert rates["per_100m_premium"] == Decimal("25000.00")  # 2 per ¥8,000


def test_results_per_touchpoint_partner_and_staff_with_nps():
    shop = PartnerFactory(name="好车4S店")
    agent = UserFactory(username="agent7", role=Role.SALES_AGENT)
    answers = [(5, 10), (4, 9), (2, 3), (None, None)]
    for i, (csat, nps) in enumerate(answers):
        customer = CustomerFactory(marketing_consent=True)
        s = _send(customer, partner=shop, staff=agent, dedupe_key=f"k{i}")
        if csat:
            with clock.frozen_at(SENT + dt.timedelta(hours=1)):
                surveys.answer(s, csat=csat, nps=nps)
    start, end = dt.datetime(2026, 3, 1, tzinfo=SH), dt.datetime(2026, 4, 1, tzinfo=SH)
    (row,) = selectors.survey_results(start, end, "partner", head_office())
    assert row == {
        "key": "好车4S店",
        "sent": 4,
        "answered": 3,
        "response_rate": Decimal("0.750"),
        "csat": Decimal("3.67"),
        "nps": Decimal("33.3"),  # 2 promoters, 1 detractor of 3
    }
    assert selectors.survey_results(start, end, "staff", head_office())[0]["key"] == "agent7"
    assert selectors.survey_results(start, end, "touchpoint", head_office())[0]["key"] == "claims"


def test_results_per_branch_follow_the_customers_city():
    answers = [("杭州", 5, 10), ("杭州", 3, 6), ("宁波", 4, 8)]
    for i, (city, csat, nps) in enumerate(answers):
        s = _send(CustomerFactory(marketing_consent=True, city=city), dedupe_key=f"b{i}")
        with clock.frozen_at(SENT + dt.timedelta(hours=1)):
            surveys.answer(s, csat=csat, nps=nps)
    start, end = dt.datetime(2026, 3, 1, tzinfo=SH), dt.datetime(2026, 4, 1, tzinfo=SH)
    rows = {
        r["key"]: (r["answered"], r["csat"], r["nps"])
        for r in selectors.survey_results(start, end, "branch", head_office())
    }
    assert rows == {
        "宁波": (1, Decimal("4.00"), Decimal("0.0")),  # an 8 is passive
        "杭州": (2, Decimal("4.00"), Decimal("0.0")),  # one promoter, one detractor
    }
