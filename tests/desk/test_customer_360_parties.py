"""The 360 page shows each person's roles on each policy (投保人 · 被保险人 · 车主), the
policyholder when none are recorded, the claims they drove, a company's contact people
masked; after a transfer (过户) the buyer sees the transferred policy and the seller keeps
their history — in a fixed number of queries however many policies and roles."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from carecircle.core import clock
from carecircle.core.roles import Role
from carecircle.policies.endorsements import transfer_vehicle
from carecircle.policies.policy_parties import add_company_contact, default_parties_for
from tests.factories import (
    CustomerFactory,
    PolicyFactory,
    UserFactory,
    VehicleFactory,
)
from tests.factories.claims import PlainClaimFactory
from tests.factories.core import SH

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 10, 10, 0, tzinfo=SH)


@pytest.fixture(autouse=True)
def _today():
    with clock.frozen_at(NOW):
        yield


def url(customer):
    return reverse("web:customer_360", args=[customer.pk])


def owned(customer, plate, *, start=dt.date(2025, 6, 1), kind="commercial", car=None):
    car = car or VehicleFactory(owner=customer, plate=plate)
    policy = PolicyFactory(
        vehicle=car,
        customer=customer,
        kind=kind,
        effective_date=start,
        expiry_date=start.replace(year=start.year + 1),
    )
    default_parties_for([policy])
    return policy


def claim_on(policy, day, **kw):
    at = dt.datetime.combine(day, dt.time(9), tzinfo=SH)
    return PlainClaimFactory(
        policy=policy, accident_at=at, reported_at=at, amount_paid=Decimal("800.00"), **kw
    )


@pytest.fixture
def sold():
    """浙A12345 had two policy years under the seller, then was sold on 1 March 2026 with the
    policies transferred; one claim before the sale."""
    seller, buyer = CustomerFactory(name="卖车人"), CustomerFactory(name="买车人")
    older = owned(seller, "浙A12345", start=dt.date(2024, 6, 1))
    current = owned(seller, "", car=older.vehicle)
    claim_on(current, dt.date(2025, 12, 1), status="paid")
    manager = UserFactory(role=Role.MANAGER, username="transferrer")
    transfer_vehicle(older.vehicle, buyer, on=dt.date(2026, 3, 1), in_force="transfer", by=manager)
    return {"seller": seller, "buyer": buyer, "older": older, "current": current}


def roles_shown(view):
    return [(r.policy.policy_no, r.roles, r.label) for r in view.roles]


def test_the_buyer_sees_their_roles_on_the_transferred_policy(sold, manager, login):
    response = login(manager).get(url(sold["buyer"]))
    view = response.context["view"]
    assert roles_shown(view) == [
        (
            sold["current"].policy_no,
            ["insured", "owner"],
            "被保险人 · 车主 / Insured · Vehicle owner",
        )
    ]
    html = response.content.decode()
    assert (
        '被保险人 · 车主 / Insured · Vehicle owner — <span class="plate">浙A12345</span> 商业险 / Commercial 2025'
        in html
    )
    assert view.policy_count == 1
    (vehicle,) = view.vehicles
    assert vehicle.vehicle.owner_id == sold["buyer"].pk


def test_the_seller_keeps_their_history_with_their_roles(sold, manager, login):
    view = login(manager).get(url(sold["seller"])).context["view"]
    assert roles_shown(view) == [
        (sold["current"].policy_no, ["applicant"], "投保人 / Applicant"),
        (
            sold["older"].policy_no,
            ["applicant", "insured", "owner"],
            "投保人 · 被保险人 · 车主 / Applicant · Insured · Vehicle owner",
        ),
    ]
    assert [c.policy_id for c in view.claims] == [sold["current"].pk]
    (vehicle,) = view.vehicles  # no longer theirs, still on their page with both years
    assert {p.policy_no for c in vehicle.chains for p in c.policies} == {
        sold["older"].policy_no,
        sold["current"].policy_no,
    }


def test_a_policy_without_party_rows_shows_its_customer_as_the_policyholder(manager, login):
    customer = CustomerFactory()
    policy = PolicyFactory(vehicle=VehicleFactory(owner=customer, plate="浙B00001"))
    view = login(manager).get(url(customer)).context["view"]
    assert roles_shown(view) == [(policy.policy_no, ["policyholder"], "投保人 / Policyholder")]


def test_a_company_insuring_an_employees_car_shows_each_their_role(manager, login):
    company = CustomerFactory(kind="company", name="杭州顺达物流有限公司")
    driver = CustomerFactory(name="司机")
    policy = owned(driver, "浙A88888")
    policy.parties.filter(role="applicant").update(customer=company)
    client = login(manager)
    assert roles_shown(client.get(url(driver)).context["view"]) == [
        (policy.policy_no, ["insured", "owner"], "被保险人 · 车主 / Insured · Vehicle owner")
    ]
    assert roles_shown(client.get(url(company)).context["view"]) == [
        (policy.policy_no, ["applicant"], "投保人 / Applicant")
    ]


def test_a_claim_the_customer_drove_is_on_their_page_marked_driver(manager, login):
    friend = CustomerFactory()
    theirs = owned(CustomerFactory(), "浙C11111")
    driven = claim_on(theirs, dt.date(2026, 1, 5), status="paid", driver=friend)
    response = login(manager).get(url(friend))
    view = response.context["view"]
    assert [(c.claim_no, c.as_driver) for c in view.claims] == [(driven.claim_no, True)]
    assert "驾驶人 / Driver" in response.content.decode()


def test_a_companys_contact_people_are_shown_masked(manager, login):
    company = CustomerFactory(kind="company", name="杭州顺达物流有限公司")
    add_company_contact(
        company, acting_user=manager, name="陈经理", phone="13900001234", title="车队经理"
    )
    html = login(manager).get(url(company)).content.decode()
    assert "陈经理 · 车队经理" in html and "139****1234" in html
    assert "13900001234" not in html


def test_the_transfer_link_is_for_those_who_may_edit_policies(manager, seat, login):
    customer = CustomerFactory(owner=seat)
    policy = owned(customer, "浙A55555")
    link = reverse("endorsements:transfer", args=[policy.vehicle_id])
    assert link in login(manager).get(url(customer)).content.decode()
    assert link not in login(seat).get(url(customer)).content.decode()


@pytest.mark.parametrize("n", [1, 6])
def test_roles_cost_no_query_per_policy(n, manager, login, django_assert_num_queries):
    customer = CustomerFactory()
    for i in range(n):
        policy = owned(customer, f"浙D{i:05d}")
        claim_on(policy, dt.date(2025, 9, 1), status="paid", driver=customer)
    client = login(manager)
    client.get(url(customer))  # warm the session
    with django_assert_num_queries(16):
        # as tests/desk/test_customer_360.py counts it: the same 16 for 1 or 6 policies with
        # three roles each, and claims they drove
        assert client.get(url(customer)).status_code == 200


def test_a_company_page_costs_one_more_query_for_its_contact_people(
    manager, login, django_assert_num_queries
):
    company = CustomerFactory(kind="company")
    owned(company, "浙E00001")
    client = login(manager)
    client.get(url(company))
    with django_assert_num_queries(17):
        assert client.get(url(company)).status_code == 200
