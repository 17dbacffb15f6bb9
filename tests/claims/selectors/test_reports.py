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
from tests.factories import CustomerFactory, UserFactory, VehicleFactory
from tests.factories.claims import TODAY, ClaimFactory, policy_with_cover, shop, staff

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
    assert wb.sheetnames == [
        "summary",
        "cycle_time",
        "by_handler",
        "by_shop",
        "by_unit",
        "by_branch",
        "reserves",  # the reserve report (#16)
        "reserves_by_unit",
        "reserves_by_coverage",
        "reserves_by_handler",
    ]
    summary = {row[0]: row[1] for row in wb["summary"].iter_rows(values_only=True)}
    assert summary["每千案投诉 / complaints per 1,000 claims"] == pytest.approx(333.3)
    branch = {row[0]: row for row in wb["by_branch"].iter_rows(min_row=2, values_only=True)}
    # claims, paid, reserves (none open), recoveries, net incurred, repair value, satisfaction,
    # rated, complaints, per 1,000 claims, survey CSAT
    assert branch["杭州"][1:] == (2, 3000.0, 0.0, 0.0, 3000.0, 3000.0, 4.0, 2, 1, 500.0, 4.0)
    page = client.get("/claims/reports/").content.decode()
    assert 'data-group="宁波"' in page and 'id="by-branch"' in page


# ---- the figures on a small book with timed transitions ---------------------------------------


def _at(day, hour=0):
    return dt.datetime(2026, 3, day, hour, 0, tzinfo=TODAY.tzinfo)


def _step(when, claim, action, user, **kw):
    from carecircle.claims import services
    from carecircle.core import clock

    with clock.frozen_at(when):
        return services.transition(claim, action, acting_user=user, **kw)


def _report(when, user, **kw):
    from carecircle.claims import services
    from carecircle.core import clock
    from tests.factories.claims import at, committed

    with clock.frozen_at(when), committed():
        claim = services.report_claim(
            acting_user=user, policy=policy_with_cover(), accident_at=at(1, 15), channel="phone",
            **kw,
        )  # fmt: skip
    claim.refresh_from_db()
    return claim


def test_cycle_time_per_step_end_to_end_fast_track_reopen_paid_and_reserved(today):
    """Hand-worked: A fast track (report 03-02 10:00, assessed 03-03 10:00, straight through);
    B normal (report 03-02 12:00, then +0.5, +1, +0, +1, +0.5, +0.5, +1, +0.5 days to payment);
    C open with a ¥4,000 reserve (dispatched after 1 day); D withdrawn after 1 day and reopened
    after another; E an imported closed claim paid ¥700 that still carries a stale ¥500
    reserve (closed: its reserve is released, so it is not counted)."""
    from carecircle.claims import services
    from carecircle.claims.choices import Action as A
    from carecircle.core import clock
    from tests.claims.bank_support import pay_confirmed, send_and_confirm

    people = staff()
    h = people["handler"]
    a = _report(_at(2, 10), h, customer_estimate="1800", liability_clear=True)
    assert (a.status, a.fast_track) == ("registered", True)
    _step(_at(3, 10), a, A.ASSESS, h, data={"parts": "1000", "labour": "500", "paint": "300"})
    with clock.frozen_at(_at(3, 10)):  # the bank confirms at once: paid (ADR 0016)
        send_and_confirm(a.payments.get(), h)
    b = _report(_at(2, 12), h)
    for when, action, data in (
        (_at(3, 0), A.DISPATCH, {}),
        (_at(4, 0), A.SURVEY, {"survey_mode": "on_site"}),
        (_at(4, 0), A.REGISTER, {}),
        (_at(5, 0), A.ASSESS, {"parts": "30000", "labour": "2000", "paint": "1000"}),
        (_at(5, 12), A.CHECK_LOSS, {}),
        (_at(6, 0), A.ADJUST, {"liability_share": "1"}),
    ):
        b = _step(when, b, action, h, data=data)
    with clock.frozen_at(_at(7, 0)):
        services.approve(b, acting_user=people["approver"])
    with clock.frozen_at(_at(7, 12)):
        pay_confirmed(b, h)
    c = _report(_at(2, 14), h, customer_estimate="4000")
    _step(_at(3, 14), c, A.DISPATCH, h)
    d = _report(_at(2, 16), h)
    d = _step(_at(3, 16), d, A.WITHDRAW, h, reason="客户自行修理")
    _step(_at(4, 16), d, A.REOPEN, h, reason="客户改为理赔")
    ClaimFactory(status="closed", amount_paid=D("700"), amount_reserved=D("500"))

    r = selectors.report(people["manager"])
    cycle = {row["step"]: (row["mean"], row["count"]) for row in r["cycle_days"]}
    assert cycle == {
        "dispatch": (D("0.50"), 3),  # A 0 (system), B 0.5, C 1
        "survey": (D("0.50"), 2),
        "register": (D("0.00"), 2),
        "assess": (D("1.00"), 2),
        "check_loss": (D("0.25"), 2),
        "adjust": (D("0.25"), 2),
        "approve": (D("0.50"), 2),
        # paid when the bank confirms: from dispatch (payment_sent) to confirmation, here
        # the same moment for A and B (ADR 0016)
        "pay": (D("0.00"), 2),
        "withdraw": (D("1.00"), 1),
        "reopen": (D("1.00"), 1),
    }
    assert r["end_to_end_days"] == D("3.00")  # A 1 day, B 5 days
    assert r["claims"] == 5
    assert (r["fast_track_share"], r["reopen_rate"]) == (D("0.2000"), D("0.2000"))
    assert r["paid"] == D("1800.00") + D("33000.00") + D("700.00")
    assert r["reserved"] == D("4000.00")  # C only: A and B paid, D withdrawn, E closed
    # By handler, payments and reserves on the same claims: handler1 dispatched B (paid) and C
    # (open); A was dispatched by the fast-track rule and has no handler.
    rows = by_name(r["by_handler"])
    assert (rows["handler1"]["claims"], rows["handler1"]["paid"]) == (2, D("33000.00"))
    assert rows["handler1"]["reserved"] == D("4000.00")
    # … and on the page and in the Excel sheet per handler.
    from carecircle.claims.exports import report_workbook

    sheet = load_workbook(io.BytesIO(report_workbook(r)))["by_handler"]
    header = [c.value for c in sheet[1]]
    handler1 = next(row for row in sheet.iter_rows(values_only=True) if row[0] == "handler1")
    assert handler1[header.index("未决准备金 / reserves")] == 4000.0
