"""Reserves and recoveries on the claim page, the approver's queue, the reserve report on the
claims report page and in its Excel export, and the same through the API (issue #16)."""

import datetime as dt
import json
from decimal import Decimal as D
from io import BytesIO

import pytest
from openpyxl import load_workbook

from carecircle.claims.models import ReserveChange, ReserveMovement, Subrogation
from carecircle.claims.services import reserves
from carecircle.core.models import ApiToken
from tests.factories import ClaimFactory
from tests.factories.claims import at, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return staff()


@pytest.fixture
def claim(today):
    claim = ClaimFactory(status="assessed")
    reserves.move(claim, coverage=claim.coverage, kind="open", amount=D("3000"), at=at(1, 13))
    return claim


def bearer(user):
    _, raw = ApiToken.issue(user, "test")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_the_claim_page_shows_the_reserve_and_a_handler_revises_it_with_a_reason(
    client, people, claim
):
    client.force_login(people["handler"])
    page = client.get(f"/claims/{claim.pk}/").content.decode()
    assert 'id="reserve-balances"' in page and 'data-action="revise-reserve"' in page
    refused = client.post(f"/claims/{claim.pk}/reserves/", {"new_balance": "3500", "reason": ""})
    assert refused.status_code == 400
    assert "须写明原因" in refused.content.decode()
    r = client.post(
        f"/claims/{claim.pk}/reserves/",
        {"new_balance": "3500", "reason": "补充配件", "coverage": claim.coverage,
         "reserve_type": "case"},
    )  # fmt: skip
    assert r.status_code == 302
    claim.refresh_from_db()
    assert claim.amount_reserved == D("3500.00")


def test_a_large_revision_goes_to_the_approvers_queue_and_is_applied_from_it(client, people, claim):
    client.force_login(people["handler"])
    client.post(
        f"/claims/{claim.pk}/reserves/",
        {"new_balance": "90000", "reason": "人伤住院", "reserve_type": "case"},
    )
    change = ReserveChange.objects.get()
    assert change.status == "pending"
    assert client.get("/claims/reserve-changes/").status_code == 403  # handlers do not decide
    client.force_login(people["manager"])
    queue = client.get("/claims/reserve-changes/").content.decode()
    assert f'data-change="{change.pk}"' in queue
    r = client.post(
        f"/claims/reserve-changes/{change.pk}/decide/", {"approve": "1", "next": "queue"}
    )
    assert r.status_code == 302 and r["Location"] == "/claims/reserve-changes/"
    claim.refresh_from_db()
    assert claim.amount_reserved == D("90000.00")
    assert ReserveMovement.objects.filter(claim=claim).last().approved_by == people["manager"]


def test_a_handler_records_a_subrogation_and_its_recovery_on_the_claim_page(client, people, claim):
    client.force_login(people["handler"])
    client.post(
        f"/claims/{claim.pk}/recoveries/",
        {"kind": "subrogation", "against": "王五", "amount_sought": "2000"},
    )
    sub = Subrogation.objects.get()
    client.post(
        f"/claims/{claim.pk}/recoveries/",
        {"kind": "subrogation_result", "subrogation_id": sub.pk, "recovered": "1500",
         "recovered_on": "2026-03-02"},
    )  # fmt: skip
    client.post(
        f"/claims/{claim.pk}/recoveries/",
        {"kind": "salvage", "description": "旧保险杠", "valued_amount": "200"},
    )
    salvage = claim.salvages.get()
    client.post(
        f"/claims/{claim.pk}/recoveries/",
        {"kind": "salvage_sale", "salvage_id": salvage.pk, "proceeds": "180"},
    )
    claim.refresh_from_db()
    sub.refresh_from_db()
    assert (sub.status, sub.amount_recovered, sub.recovered_on) == (
        "partly", D("1500.00"), dt.date(2026, 3, 2),
    )  # fmt: skip
    assert claim.amount_recovered == D("1680.00")
    over = client.post(
        f"/claims/{claim.pk}/recoveries/",
        {"kind": "subrogation_result", "subrogation_id": sub.pk, "recovered": "600"},
    )
    assert over.status_code == 400  # 500 outstanding


def test_the_report_page_and_its_export_carry_the_reserve_report(client, people, claim):
    client.force_login(people["manager"])
    page = client.get("/claims/reports/?as_of=2026-12-31").content.decode()
    assert 'id="reserve-book"' in page and "2026-01-01 … 2026-12-31" in page
    xlsx = load_workbook(
        BytesIO(client.get("/claims/reports/?format=xlsx&as_of=2026-12-31").content)
    )
    rows = list(xlsx["reserves"].iter_rows(values_only=True))
    head, book = rows[0], rows[1]
    figures = dict(zip(head[1:], book[1:], strict=True))
    assert figures["期初 / opening"] == 0
    assert figures["立案 / open"] == 3000
    assert figures["期末 / closing"] == 3000
    assert {"reserves_by_unit", "reserves_by_coverage", "reserves_by_handler"} <= set(
        xlsx.sheetnames
    )


def test_the_api_revises_reads_and_reports(client, people, claim):
    handler, approver = bearer(people["handler"]), bearer(people["approver"])
    r = client.post(
        f"/api/claims/{claim.pk}/reserves",
        json.dumps({"new_balance": "60000", "reason": "重大人伤", "reserve_type": "case"}),
        content_type="application/json",
        **handler,
    )
    assert r.status_code == 200 and r.json()["status"] == "pending"
    change_id = r.json()["id"]
    r = client.post(
        f"/api/claims/reserve-changes/{change_id}",
        json.dumps({"approve": False, "note": "证据不足"}),
        content_type="application/json",
        **approver,
    )
    assert r.json()["status"] == "declined"
    got = client.get(f"/api/claims/{claim.pk}/reserves", **handler).json()
    assert got["amount_reserved"] == "3000.00"
    assert [m["kind"] for m in got["movements"]] == ["open"]
    report = client.get("/api/claims-reserves?as_of=2026-12-31", **approver).json()
    assert (report["opening"], report["closing"]) == ("0.00", "3000.00")
    assert client.get("/api/claims-reserves?as_of=2026-12-31", **handler).status_code == 403
    r = client.post(
        f"/api/claims/{claim.pk}/recoveries",
        json.dumps({"kind": "salvage", "description": "残车", "valued_amount": "800"}),
        content_type="application/json",
        **handler,
    )
    assert r.status_code == 200 and r.json()["salvages"][0]["valued_amount"] == "800.00"


def test_a_row_id_that_is_not_a_number_is_no_such_row_not_a_server_error(client, people, claim):
    """Rule: a posted subrogation_id / salvage_id that is not digits answers 404, never 500."""
    client.force_login(people["handler"])
    for kind, name in (("subrogation_result", "subrogation_id"), ("salvage_sale", "salvage_id")):
        for bad in ("abc", "1.5", "１２"):
            r = client.post(
                f"/claims/{claim.pk}/recoveries/", {"kind": kind, name: bad, "recovered": "1"}
            )
            assert r.status_code == 404, (kind, bad)


def test_an_amount_a_money_column_cannot_hold_is_refused_by_the_page_and_the_api(
    client, people, claim
):
    """Rule: amounts above 999,999,999,999.99 (numeric(14,2)) are a 400 naming the field."""
    client.force_login(people["handler"])
    r = client.post(
        f"/claims/{claim.pk}/reserves/",
        {"new_balance": "1000000000000", "reason": "测试", "reserve_type": "case"},
    )
    assert r.status_code == 400 and "999,999,999,999.99" in r.content.decode()
    r = client.post(
        f"/claims/{claim.pk}/recoveries/",
        {"kind": "subrogation", "against": "王五", "amount_sought": "1000000000000"},
    )
    assert r.status_code == 400
    api = client.post(
        f"/api/claims/{claim.pk}/recoveries",
        json.dumps({"kind": "salvage", "description": "车", "valued_amount": "1000000000000"}),
        content_type="application/json",
        **bearer(people["handler"]),
    )
    assert api.status_code == 400 and api.json()["code"] == "too_large"
    api = client.post(
        f"/api/claims/{claim.pk}/reserves",
        json.dumps({"new_balance": "999999999999.99", "reason": "上限"}),
        content_type="application/json",
        **bearer(people["manager"]),
    )
    assert api.status_code == 200
    assert not Subrogation.objects.exists()
