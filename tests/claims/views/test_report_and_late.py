"""The phone report page lists the customer's vehicles with the cover in force; the handler's
worklist shows late reports (Art 26) with a badge and a filter of their own."""

import datetime as dt

import pytest

from tests.claims.services.test_report_on_vehicle import both_policies, report
from tests.factories.claims import SH, customer_user, policy_with_cover, staff

pytestmark = pytest.mark.django_db


def test_the_report_page_offers_the_vehicle_with_the_cover_in_force(client, today):
    _, commercial = both_policies()
    client.force_login(customer_user(commercial))
    page = client.get("/claims/my/report/").content.decode()
    assert f'<option value="{commercial.vehicle_id}">' in page
    assert "交强险 ✓ 商业险 ✓" in page
    assert 'name="other_car"' in page and 'name="deaths"' in page and 'name="policy"' not in page


def test_a_report_saying_nothing_was_damaged_is_refused_on_the_page(client, today):
    _, commercial = both_policies()
    client.force_login(customer_user(commercial))
    r = client.post(
        "/claims/my/report/",
        {"vehicle": commercial.vehicle_id, "accident_at": "2026-03-02T08:30", "description": "x"},
    )
    assert r.status_code == 400
    assert "say what was damaged or who was hurt" in r.content.decode()


def test_late_reports_have_a_badge_and_a_filter_on_the_worklist(client, today):
    handler = staff()["handler"]
    old = policy_with_cover(effective_date=dt.date(2023, 6, 1), expiry_date=dt.date(2024, 6, 1))
    late = report(old.vehicle, handler, accident_at=dt.datetime(2024, 1, 10, 9, 0, tzinfo=SH))
    on_time = report(policy_with_cover().vehicle, handler)
    client.force_login(handler)
    page = client.get("/claims/?view=late").content.decode()
    assert late.claim_no in page and on_time.claim_no not in page
    assert "data-late-report" in page and "Art 26" in page
    flagged = client.get("/claims/?view=flagged").content.decode()
    assert late.claim_no in flagged  # the late_report flag routes it to a person
    detail = client.get(f"/claims/{late.pk}/").content.decode()
    assert 'data-flag="late_report"' in detail and "第26条" in detail
