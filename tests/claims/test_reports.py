"""The claims report by handler, shop and branch: complaints per 1,000 claims (complaints whose
root cause is a claim), satisfaction after claims (the claim's rating and survey CSAT), repair
value; the same figures in the Excel export."""

import datetime as dt
import io
from decimal import Decimal as D

import pytest
from openpyxl import load_workbook

from carecircle.claims import selectors
from carecircle.touchpoints.models import Complaint, Survey
from tests.claims.factories import TODAY, ClaimFactory, policy_with_cover, shop, staff
from tests.factories import CustomerFactory, UserFactory, VehicleFactory

pytestmark = pytest.mark.django_db


def complaint(claim, n):
    return Complaint.objects.create(
        complaint_no=f"TS{n:06d}", customer=claim.policy.customer, channel="phone",
        category="claims_amount", severity="normal", touchpoint="claims", summary="赔款太少",
        received_at=TODAY, due_at=TODAY + dt.timedelta(days=10), claim=claim,
    )  # fmt: skip


def survey(claim, csat):
    return Survey.objects.create(
        customer=claim.policy.customer, moment="claim_closed", touchpoint="claims",
        status="answered", claim=claim, dedupe_key=f"claim:{claim.pk}", sent_at=TODAY,
        expires_at=TODAY + dt.timedelta(days=7), answered_at=TODAY, csat=csat,
    )  # fmt: skip


@pytest.fixture
def book(today):
    people = staff()
    other_handler = UserFactory(username="handler2", role="claims_handler")
    westlake = shop(name="西湖汽修")
    ningbo = CustomerFactory(city="宁波")
    ningbo_policy = policy_with_cover(vehicle=VehicleFactory(owner=ningbo))
    a = ClaimFactory(handler=people["handler"], repair_shop=westlake, satisfaction=5,
                     amount_assessed=D("3000"), amount_paid=D("3000"), status="paid")  # fmt: skip
    ClaimFactory(handler=people["handler"], satisfaction=3)
    c = ClaimFactory(policy=ningbo_policy, handler=other_handler, repair_shop=westlake,
                     amount_assessed=D("1500"))  # fmt: skip
    complaint(a, 1)
    survey(a, 4)
    survey(c, 2)
    unrelated = ClaimFactory.build()  # a complaint about something else is not counted
    Complaint.objects.create(
        complaint_no="TS999999", customer=unrelated.policy.customer, channel="phone",
        category="speed", severity="low", touchpoint="claims", summary="电话难打",
        received_at=TODAY, due_at=TODAY + dt.timedelta(days=10),
    )  # fmt: skip
    return people


def by_name(rows):
    return {r["name"]: r for r in rows}


def test_complaints_per_thousand_claims_and_satisfaction_by_handler_shop_and_branch(book):
    r = selectors.report(book["manager"])
    assert (r["claims"], r["complaints"], r["complaints_per_1000"]) == (3, 1, D("333.3"))
    assert (r["survey_csat"], r["surveyed"]) == (D("3.00"), 2)
    handlers = by_name(r["by_handler"])
    assert (handlers["handler1"]["claims"], handlers["handler1"]["complaints"]) == (2, 1)
    assert handlers["handler1"]["complaints_per_1000"] == D("500.0")
    assert handlers["handler1"]["satisfaction"] == D("4.00")
    assert (handlers["handler2"]["complaints_per_1000"], handlers["handler2"]["survey_csat"]) == (
        D("0.0"),
        D("2.00"),
    )
    shops = by_name(r["by_shop"])
    assert list(shops) == ["西湖汽修"]
    assert (shops["西湖汽修"]["claims"], shops["西湖汽修"]["repair_value"]) == (2, D("4500.00"))
    branches = by_name(r["by_branch"])
    assert (branches["杭州"]["claims"], branches["杭州"]["complaints_per_1000"]) == (2, D("500.0"))
    assert (branches["宁波"]["claims"], branches["宁波"]["survey_csat"]) == (1, D("2.00"))


def test_the_excel_export_has_a_sheet_per_dimension_with_the_same_figures(client, book):
    client.force_login(book["manager"])
    xlsx = client.get("/claims/reports/?format=xlsx")
    wb = load_workbook(io.BytesIO(xlsx.content))
    assert wb.sheetnames == ["summary", "cycle_time", "by_handler", "by_shop", "by_branch"]
    summary = {row[0]: row[1] for row in wb["summary"].iter_rows(values_only=True)}
    assert summary["每千案投诉 / complaints per 1,000 claims"] == pytest.approx(333.3)
    branch = {row[0]: row for row in wb["by_branch"].iter_rows(min_row=2, values_only=True)}
    assert branch["杭州"][1:] == (2, 3000.0, 3000.0, 4.0, 2, 1, 500.0, 4.0)
    page = client.get("/claims/reports/").content.decode()
    assert 'data-group="宁波"' in page and 'id="by-branch"' in page
