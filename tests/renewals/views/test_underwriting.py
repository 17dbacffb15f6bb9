"""The underwriting pages and API (#16): the seat's task page shows the list entry, its
reasons and the referral; the underwriter's queue lists it and the decision page decides it;
a seat is refused the queue; the API lists and decides within the underwriter's scope."""

import datetime as dt

import pytest
from django.urls import reverse

from carecircle.core.roles import Role
from carecircle.renewals.models import UnderwritingReferral
from carecircle.value.models import ListEntry
from carecircle.value.services import decisions
from tests.factories import UserFactory

from ..conftest import AS_OF

pytestmark = pytest.mark.django_db


@pytest.fixture
def black(book):
    seat, task, *_ = book
    boss = UserFactory(username="boss", role=Role.MANAGER)
    entry = ListEntry.objects.create(
        customer=task.customer,
        kind="black",
        reasons="list_black",
        evidence={"claims_3y": 7, "loss_ratio_credible": "2.1"},
    )
    decisions.approve_list_entry(
        entry.pk, expires_on=AS_OF + dt.timedelta(days=90), note="骗保嫌疑", acting_user=boss
    )
    task.assignee = seat
    task.save(update_fields=["assignee"])
    return seat, task, entry


def test_the_seat_sees_the_entry_and_the_referral_on_the_task(client, black):
    seat, task, entry = black
    client.force_login(seat)
    page = client.get(reverse("renewals:task", args=[task.pk])).content.decode()
    assert f'data-entry="{entry.pk}"' in page
    assert f"黑名单 #{entry.pk}" in page
    assert "三年7次赔案，信度赔付率210%" in page
    referral = UnderwritingReferral.objects.get(task=task)
    assert 'id="referral-status">待核保 / Awaiting underwriting<' in page
    assert 'name="compulsory_only" value="on"' in page  # 交强险 still quoted
    assert referral.list_entry_id == entry.pk


def test_the_underwriter_decides_on_the_page_and_the_seat_is_refused_the_queue(client, black):
    seat, task, _entry = black
    client.force_login(seat)
    client.get(reverse("renewals:task", args=[task.pk]))
    assert client.get(reverse("renewals:underwriting")).status_code == 403
    referral = UnderwritingReferral.objects.get()
    underwriter = UserFactory(username="uw", role=Role.UNDERWRITER)
    client.force_login(underwriter)
    queue = client.get(reverse("renewals:underwriting")).content.decode()
    assert f'data-referral="{referral.pk}"' in queue
    done = client.post(
        reverse("renewals:underwriting_decide", args=[referral.pk]),
        {"decision": "accept", "min_pricing": "1.150", "excess_note": "免赔 500 元"},
    )
    assert done.status_code == 302
    referral.refresh_from_db()
    assert (referral.status, str(referral.min_pricing_coefficient)) == ("accepted", "1.150")
    client.force_login(seat)
    page = client.get(reverse("renewals:task", args=[task.pk])).content.decode()
    assert "自主定价系数不低于 1.150" in page
    assert "自主定价系数不得低于 1.150" in page


def test_the_api_lists_and_decides_for_underwriters_only(client, black, api_as):
    seat, task, entry = black
    client.force_login(seat)
    client.get(reverse("renewals:task", args=[task.pk]))
    referral = UnderwritingReferral.objects.get()
    assert api_as(seat).get("/api/underwriting/referrals").status_code == 403
    underwriter = UserFactory(username="uw", role=Role.UNDERWRITER)
    api = api_as(underwriter)
    listed = api.get("/api/underwriting/referrals?status=pending").json()
    assert [(r["id"], r["list_entry_id"]) for r in listed["items"]] == [(referral.pk, entry.pk)]
    url = f"/api/underwriting/referrals/{referral.pk}/decision"
    no_reason = api.post(url, {"accept": False}, content_type="application/json")
    assert no_reason.status_code == 400
    declined = api.post(
        url, {"accept": False, "reason": "赔付率过高"}, content_type="application/json"
    )
    assert (declined.status_code, declined.json()["status"]) == (200, "declined")
    again = api.post(url, {"accept": True}, content_type="application/json")
    assert again.status_code == 409
