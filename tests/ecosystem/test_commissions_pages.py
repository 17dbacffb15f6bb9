"""Commission statement pages, Excel export, API and command: a manager lists, reads,
approves and pays; a partner's user reads only its own partner's statements (another's is a
404), never approves; the export carries every line and the total; the command's JSON is the
same on a second run."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import Client
from openpyxl import load_workbook

from carecircle.core.roles import Role
from carecircle.ecosystem.commissions import services
from carecircle.ecosystem.models import CommissionStatement
from tests.factories import (
    CommissionScheduleFactory,
    LicensedPartnerFactory,
    PolicyFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
FEB = dt.date(2026, 2, 1)


@pytest.fixture
def two_shops():
    mine, theirs = LicensedPartnerFactory(name="城东4S店"), LicensedPartnerFactory(name="城西4S店")
    for shop, premium in ((mine, "3000.00"), (theirs, "5000.00")):
        CommissionScheduleFactory(partner=shop, base_rate=Decimal("0.1"))
        PolicyFactory(
            partner=shop,
            premium=Decimal(premium),
            effective_date=dt.date(2026, 2, 10),
            expiry_date=dt.date(2027, 2, 10),
        )
    services.calculate_month(FEB)
    return (
        CommissionStatement.objects.get(partner=mine),
        CommissionStatement.objects.get(partner=theirs),
    )


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_manager_lists_reads_approves_and_pays(two_shops):
    mine, theirs = two_shops
    manager = _client(UserFactory(role=Role.MANAGER))
    page = manager.get("/ecosystem/commissions/", {"month": "2026-02"}).content.decode()
    assert mine.statement_no in page and theirs.statement_no in page
    detail = manager.get(f"/ecosystem/commissions/{mine.pk}/").content.decode()
    assert "¥300.00" in detail and "基准 10%" in detail
    assert manager.post(f"/ecosystem/commissions/{mine.pk}/approve/").status_code == 302
    manager.post(f"/ecosystem/commissions/{mine.pk}/pay/", {"payment_ref": "BK-7"})
    mine.refresh_from_db()
    assert (mine.status, mine.payment_ref) == ("paid", "BK-7")


def test_a_partner_user_sees_only_its_own_partners_statements(two_shops):
    mine, theirs = two_shops
    user = UserFactory(role=Role.PARTNER_USER, partner=mine.partner)
    client = _client(user)
    page = client.get("/ecosystem/commissions/").content.decode()
    assert mine.statement_no in page and theirs.statement_no not in page
    assert client.get(f"/ecosystem/commissions/{theirs.pk}/").status_code == 404
    assert client.post(f"/ecosystem/commissions/{mine.pk}/approve/").status_code == 403
    assert client.get(f"/ecosystem/commissions/{mine.pk}/").status_code == 200


def test_the_excel_export_carries_every_line_and_the_total(two_shops):
    mine, _ = two_shops
    response = _client(UserFactory(role=Role.MANAGER)).get(
        f"/ecosystem/commissions/{mine.pk}/export.xlsx"
    )
    book = load_workbook(io.BytesIO(response.content))
    lines = list(book["明细 lines"].iter_rows(values_only=True))
    assert lines[0][0] == "保单号 / policy no."
    assert [row[7] for row in lines[1:]] == [300, 300]  # the line, then the total
    assert lines[-1][0] == "合计 / total"


def test_the_api_lists_and_reads_statements_within_the_callers_reach(two_shops, api_as):
    mine, theirs = two_shops
    shop_api = api_as(UserFactory(role=Role.PARTNER_USER, partner=mine.partner))
    listed = shop_api.get("/api/ecosystem/commissions/statements").json()["items"]
    assert [s["statement_no"] for s in listed] == [mine.statement_no]
    body = shop_api.get(f"/api/ecosystem/commissions/statements/{mine.pk}").json()
    assert (body["total"], body["lines"][0]["rate"], body["lines"][0]["amount"]) == (
        "300.00",
        "0.1000",
        "300.00",
    )
    assert shop_api.get(f"/api/ecosystem/commissions/statements/{theirs.pk}").status_code == 404
    seat = api_as(UserFactory(role=Role.SEAT))
    assert seat.get("/api/ecosystem/commissions/statements").status_code == 403


def test_the_command_prints_the_same_json_twice(two_shops):
    def run() -> dict:
        out = io.StringIO()
        call_command("ecosystem", "commissions", "--month", "2026-02", "--json", stdout=out)
        return json.loads(out.getvalue())

    first, second = run(), run()
    assert first["lines_added"] == second["lines_added"] == 0  # the fixture already ran it
    assert first == second
    assert first["total"] == "800.00"
    assert [s["total"] for s in first["statements"]] == ["300.00", "500.00"]
