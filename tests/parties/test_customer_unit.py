"""A customer created by staff is served by the creator's unit (机构), so the branch that
created them keeps seeing them."""

import pytest

from carecircle.core.roles import Role
from carecircle.parties.models import Customer
from carecircle.parties.services import create_customer
from tests.factories import UserFactory
from tests.unit_tree import build_tree

pytestmark = pytest.mark.django_db


def test_a_customer_created_by_a_sub_branch_seat_is_served_by_that_sub_branch():
    tree = build_tree()
    seat = UserFactory(username="seat-a1", role=Role.SEAT, unit=tree.a1)
    customer = create_customer(acting_user=seat, name="林青霞", phone="13800000001")
    assert Customer.objects.get(pk=customer.pk).unit == tree.a1


def test_a_customer_created_by_a_city_manager_is_served_by_the_city_branch_and_seen_there():
    tree = build_tree()
    manager = UserFactory(username="mgr-b", role=Role.MANAGER, unit=tree.city_b)
    customer = create_customer(
        acting_user=manager, name="张曼玉", phone="13800000002", owner_id=None
    )
    assert customer.unit == tree.city_b
    assert Customer.objects.restrict(manager).filter(pk=customer.pk).exists()
    other = UserFactory(username="mgr-a", role=Role.MANAGER, unit=tree.city_a)
    assert not Customer.objects.restrict(other).filter(pk=customer.pk).exists()
