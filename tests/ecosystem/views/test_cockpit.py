"""The cockpit page: absent data said as such, the CSV export, who may open it, service
activity shown."""

import csv
import datetime as dt
import io

import pytest

from carecircle.core.roles import Role
from carecircle.ecosystem import cockpit, scorecards
from carecircle.ecosystem.models import BookMonth
from tests.factories import (
    SH,
    UserFactory,
)

pytestmark = pytest.mark.django_db
FEB = dt.date(2026, 2, 1)
TODAY = dt.datetime(2026, 3, 10, 10, 0, tzinfo=SH)


def test_a_month_not_aggregated_says_so_instead_of_showing_zeros(client, book):
    UserFactory(username="boss", role=Role.MANAGER)
    client.login(username="boss", password="pw-for-tests-1")
    page = client.get("/ecosystem/?month=2026-02").content.decode()
    assert 'id="not-aggregated"' in page
    cockpit.compute_book_month(FEB)
    scorecards.compute_month(FEB)
    page = client.get("/ecosystem/?month=2026-02").content.decode()
    assert 'id="not-aggregated"' not in page
    assert "¥8,000.00" in page
    assert 'id="eco-charts"' in page


def test_the_cockpit_exports_as_csv(client, book):
    cockpit.compute_book_month(FEB)
    UserFactory(username="boss", role=Role.MANAGER)
    client.login(username="boss", password="pw-for-tests-1")
    response = client.get("/ecosystem/cockpit.csv?month=2026-02")
    assert response["Content-Disposition"] == 'attachment; filename="cockpit-2026-02.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["section", "key", "figure", "value"]
    assert ["book", "", "premium_written", "8000.00"] in rows
    assert ["book", "", "renewal_rate", "0.500"] in rows
    assert ["tier", "gold", "customers", "1"] in rows


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.MANAGER, 200), (Role.SERVICE_MANAGER, 200), (Role.SEAT, 403), (Role.PARTNER_USER, 403)],
)
def test_only_managers_open_the_cockpit(client, db, role, status):
    UserFactory(username="u", role=role)
    client.login(username="u", password="pw-for-tests-1")
    assert client.get("/ecosystem/").status_code == status
    assert client.get("/ecosystem/cockpit.csv").status_code == status


def test_the_cockpit_shows_service_activity_over_the_policy_year(client, db):
    """服务活跃度 on the cockpit: of the customers holding a voucher valid in the year to the
    month's end, the share who used one — here 1 of 2 (a voucher ended before that year and
    its customer do not count)."""
    from tests.factories.alliance import VoucherFactory

    used = VoucherFactory(valid_from=dt.date(2025, 6, 1), valid_until=dt.date(2026, 5, 31))
    used.status = "redeemed"
    used.save(update_fields=["status"])
    VoucherFactory(valid_from=dt.date(2025, 6, 1), valid_until=dt.date(2026, 5, 31))
    VoucherFactory(valid_from=dt.date(2024, 1, 1), valid_until=dt.date(2025, 1, 31))  # too old
    cockpit.compute_book_month(FEB)
    total = BookMonth.objects.get(month=FEB, dimension="total")
    assert (total.service_entitled, total.service_active) == (2, 1)
    UserFactory(username="boss2", role=Role.MANAGER)
    client.login(username="boss2", password="pw-for-tests-1")
    page = client.get("/ecosystem/?month=2026-02").content.decode()
    assert "服务活跃度 / activity 50.0% (1/2)" in page
