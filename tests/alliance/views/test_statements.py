"""Statements: a statement exports to CSV and Excel reconciled to the cent, and the merchant
downloads its own."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from carecircle.alliance import services
from carecircle.core.roles import Role
from tests.factories import UserFactory
from tests.factories.alliance import VoucherFactory

pytestmark = pytest.mark.django_db


def test_a_statement_exports_to_csv_and_excel_reconciled_to_the_cent(client, wash):
    merchant, offer, _, user = wash
    manager = UserFactory(role=Role.SERVICE_MANAGER)
    for _ in range(3):
        services.redeem(VoucherFactory(product=offer.product).code, acting_user=user)
    statement = services.build_statement(merchant, dt.date(2026, 6, 1), acting_user=manager)
    client.force_login(manager)
    body = client.get(f"/alliance/statements/{statement.pk}/export.csv").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert len(rows) == 1 + 3 + 1
    assert rows[-1][7] == "106.50" and sum(Decimal(r[7]) for r in rows[1:-1]) == Decimal("106.50")
    xlsx = client.get(f"/alliance/statements/{statement.pk}/export.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.max_row == 5
    assert [sheet.cell(row=r, column=8).value for r in range(2, 6)] == [35.5, 35.5, 35.5, 106.5]
    client.post(f"/alliance/statements/{statement.pk}/approve/")
    statement.refresh_from_db()
    assert statement.status == "approved"
    client.force_login(user)  # the merchant downloads its own statement too
    assert client.get(f"/alliance/statements/{statement.pk}/export.csv").status_code == 200
