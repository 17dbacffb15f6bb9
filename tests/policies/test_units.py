"""A new policy gets its unit (机构): renewed from a proposal, the renewed policy's unit (the
renewal task's), else the seat's; written by staff, the customer's unit within the writer's
subtree, else the writer's. A customer with no servicing unit takes their first policy's."""

from __future__ import annotations

import datetime as dt

import pytest

from carecircle.core import clock
from carecircle.core.roles import Role
from carecircle.policies import services
from carecircle.policies.models import Policy
from tests.factories import CustomerFactory, UserFactory, VehicleFactory
from tests.policies.proposal_setup import NOW, offer, old_policies, pay
from tests.unit_tree import build_tree

pytestmark = pytest.mark.django_db


@pytest.fixture
def now():
    with clock.frozen_at(NOW):
        yield NOW


@pytest.fixture
def tree():
    return build_tree()


def test_a_renewal_is_issued_in_the_renewed_policys_unit_not_the_seats(now, tree):
    seat = UserFactory(username="seat-b", role=Role.SEAT, unit=tree.b1)
    commercial, compulsory = old_policies()
    Policy.objects.filter(pk__in=[commercial.pk, compulsory.pk]).update(unit=tree.a1)
    commercial.refresh_from_db()
    compulsory.refresh_from_db()
    pay(offer(commercial, compulsory, seat=seat))
    issued = Policy.objects.filter(renews__in=[commercial, compulsory])
    assert sorted(issued.values_list("kind", "unit__code")) == [
        ("commercial", "33010100"),
        ("compulsory", "33010100"),
    ]


def test_a_renewal_of_a_policy_with_no_unit_is_issued_in_the_seats_unit(now, tree):
    seat = UserFactory(username="seat-b", role=Role.SEAT, unit=tree.b1)
    commercial, compulsory = old_policies()
    pay(offer(commercial, compulsory, seat=seat))
    assert set(
        Policy.objects.filter(renews__in=[commercial, compulsory]).values_list("unit", flat=True)
    ) == {tree.b1.pk}


def test_the_customers_first_policy_gives_them_a_servicing_unit_a_later_one_does_not(now, tree):
    seat = UserFactory(username="seat-b", role=Role.SEAT, unit=tree.b1)
    commercial, compulsory = old_policies()
    customer = commercial.customer
    assert customer.unit_id is None
    pay(offer(commercial, compulsory, seat=seat))
    customer.refresh_from_db()
    assert customer.unit == tree.b1
    # Served in B1 now; a policy written in A1 later does not move the customer.
    writer = UserFactory(username="agent-a", role=Role.SALES_AGENT, unit=tree.a1)
    customer.owner = writer
    customer.save(update_fields=["owner"])
    car = VehicleFactory(owner=customer)
    create(writer, car, policy_no="PDAA2026900009")
    customer.refresh_from_db()
    assert customer.unit == tree.b1


def create(user, car, **overrides):
    data = {
        "policy_no": "PDAA2026900001",
        "kind": "commercial",
        "effective_date": dt.date(2026, 1, 1),
        "expiry_date": dt.date(2027, 1, 1),
        "premium": "1000",
        "channel": "direct",
        "ncd_level": 0,
        "coverages": [{"code": "vehicle_damage", "premium": "1000"}],
    } | overrides
    return services.create_policy(acting_user=user, customer=car.owner, vehicle=car, **data)


def test_head_office_keying_a_branch_customers_policy_books_it_in_the_customers_unit(tree):
    manager = UserFactory(username="hq", role=Role.MANAGER)  # head office
    car = VehicleFactory(owner=CustomerFactory(unit=tree.a1))
    assert create(manager, car).unit == tree.a1


def test_an_agent_writing_for_a_customer_served_elsewhere_books_the_policy_in_their_unit(tree):
    agent = UserFactory(username="agent-b", role=Role.SALES_AGENT, unit=tree.b1)
    customer = CustomerFactory(unit=tree.a1, owner=agent)
    car = VehicleFactory(owner=customer)
    assert create(agent, car).unit == tree.b1


def test_a_city_manager_writing_for_a_sub_branch_customer_books_it_in_the_sub_branch(tree):
    manager = UserFactory(username="mgr-a", role=Role.MANAGER, unit=tree.city_a)
    car = VehicleFactory(owner=CustomerFactory(unit=tree.a1))
    assert create(manager, car).unit == tree.a1


def test_a_customer_with_no_unit_gets_the_writers_unit_with_their_first_policy(tree):
    agent = UserFactory(username="agent-a", role=Role.SALES_AGENT, unit=tree.a1)
    customer = CustomerFactory(owner=agent)
    policy = create(agent, VehicleFactory(owner=customer))
    customer.refresh_from_db()
    assert (policy.unit, customer.unit) == (tree.a1, tree.a1)
