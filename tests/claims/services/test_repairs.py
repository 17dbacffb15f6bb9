"""Discounted repair without a claim (折扣维修): booked from the calculator at the partner
shop's negotiated price, recorded as a service — no claim, the NCD untouched — once per
booking form, and only for the customer's own policy (or by claims staff)."""

import re
from decimal import Decimal as D

import pytest

from carecircle.claims.models import Claim, RepairService
from carecircle.core.roles import Role
from tests.factories import UserFactory
from tests.factories.claims import customer_user, policy_with_cover, shop, staff

pytestmark = pytest.mark.django_db


def calculator_form(client, partner):
    page = client.get(
        "/claims/calculator/", {"shop": partner.pk, "parts": "1200", "hours": "3"}
    ).content.decode()
    assert 'id="repair-price">¥1,602.00' in page
    form = re.search(r'<form method="post" action="/claims/repairs/book/".*?</form>', page, re.S)
    assert form is not None and "按此价格预约维修 / Book at this price" in form.group(0)
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form.group(0)))
    fields["description"] = "前保险杠刮擦"
    fields["share_consent"] = "on"  # the wording under the form, ticked (PIPL Art 23)
    return fields


def test_booking_from_the_calculator_records_a_service_at_the_discounted_price_not_a_claim(
    client, today
):
    policy = policy_with_cover(premium=D("3000.00"), ncd_level=-1, ncd_coefficient=D("0.800"))
    partner = shop(name="西湖汽修")
    client.force_login(customer_user(policy))
    fields = calculator_form(client, partner)
    assert fields["policy"] == str(policy.pk) and fields["booked_for"] == "2026-03-03"
    r = client.post("/claims/repairs/book/", fields)
    service = RepairService.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/claims/repairs/{service.pk}/"
    assert (service.price, service.list_price) == (D("1602.00"), D("2100.00"))
    assert (service.customer_id, service.vehicle_id, service.shop_id) == (
        policy.customer_id, policy.vehicle_id, partner.pk,
    )  # fmt: skip
    assert str(service.booked_for) == "2026-03-03" and service.description == "前保险杠刮擦"
    # A service, not a claim: no claim row, the NCD of the policy unchanged.
    assert Claim.objects.count() == 0
    policy.refresh_from_db()
    assert (policy.ncd_level, policy.ncd_coefficient) == (-1, D("0.800"))
    page = client.get(r["Location"]).content.decode()
    assert 'id="booked-shop">西湖汽修' in page and 'id="booked-price" class="num">¥1,602.00' in page
    assert "不报案，不影响您的NCD" in page
    # The same form posted again (double click, refresh) books nothing more.
    again = client.post("/claims/repairs/book/", fields)
    assert again["Location"] == r["Location"] and RepairService.objects.count() == 1


def test_another_customers_policy_cannot_be_booked_or_seen(client, today):
    mine, theirs = policy_with_cover(), policy_with_cover()
    partner = shop()
    client.force_login(customer_user(theirs))
    booked = client.post("/claims/repairs/book/", calculator_form(client, partner))
    assert booked.status_code == 302
    client.force_login(customer_user(mine))
    fields = {"policy": theirs.pk, "shop": partner.pk, "parts": "1200", "hours": "3",
              "booked_for": "2026-03-03", "idempotency_key": "k-other"}  # fmt: skip
    assert client.post("/claims/repairs/book/", fields).status_code == 404
    assert client.get(booked["Location"]).status_code == 404
    assert RepairService.objects.count() == 1
    # Users who are neither the customer nor claims staff may not book at all.
    client.force_login(UserFactory(username="merchant", role=Role.MERCHANT_USER))
    assert client.post("/claims/repairs/book/", fields).status_code == 403
    assert RepairService.objects.count() == 1


def test_a_claims_handler_books_for_the_customer_once_per_key(client, today):
    policy = policy_with_cover()
    partner = shop()
    client.force_login(staff()["handler"])
    fields = {"policy": policy.pk, "shop": partner.pk, "parts": "1200", "hours": "3",
              "booked_for": "2026-03-04", "idempotency_key": "seat-1",
              "share_consent": "on", "consent_source": "call_recording"}  # fmt: skip
    first = client.post("/claims/repairs/book/", fields)
    second = client.post("/claims/repairs/book/", fields)
    service = RepairService.objects.get()
    assert first.status_code == second.status_code == 302
    assert (service.customer_id, service.price, service.idempotency_key) == (
        policy.customer_id, D("1602.00"), "seat-1",
    )  # fmt: skip
    # A date in the past is refused with the rule, nothing booked.
    past = client.post(
        "/claims/repairs/book/", {**fields, "booked_for": "2026-03-01", "idempotency_key": "x"}
    )
    assert past.status_code == 400 and "预约日期不能早于今天" in past.content.decode()
    assert RepairService.objects.count() == 1
