"""A complaint is handled by a unit (机构): the claim's when it is about a claim, the policy's
when about a policy, else the customer's servicing unit, else the recording staff member's."""

import datetime as dt

import pytest

from carecircle.core import clock
from carecircle.core.roles import Role
from carecircle.touchpoints.services import complaints
from tests.factories import SH, CustomerFactory, PolicyFactory, UserFactory
from tests.factories import PlainClaimFactory as ClaimFactory
from tests.unit_tree import build_tree

pytestmark = pytest.mark.django_db
RECEIVED = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SH)


@pytest.fixture
def tree():
    return build_tree()


@pytest.fixture
def handler():
    return UserFactory(username="svc-hq", role=Role.SERVICE_MANAGER)  # head office


def receive(customer, user, **kw):
    data = {
        "channel": "phone",
        "category": "speed",
        "severity": "normal",
        "touchpoint": "claims",
        "summary": "理赔太慢",
    } | kw
    with clock.frozen_at(RECEIVED):
        return complaints.receive(customer, acting_user=user, **data)


def test_a_complaint_about_a_claim_goes_to_the_claims_unit(tree, handler):
    customer = CustomerFactory(unit=tree.a1)
    policy = PolicyFactory(vehicle__owner=customer, unit=tree.city_a)
    claim = ClaimFactory(policy=policy, unit=tree.b1)  # handled elsewhere: the claim's unit
    assert receive(customer, handler, claim=claim, policy=policy).unit == tree.b1


def test_a_complaint_about_a_policy_goes_to_the_policys_unit(tree, handler):
    customer = CustomerFactory(unit=tree.a1)
    policy = PolicyFactory(vehicle__owner=customer, unit=tree.b1)
    assert receive(customer, handler, policy=policy, touchpoint="sales").unit == tree.b1


def test_any_other_complaint_goes_to_the_customers_servicing_unit(tree, handler):
    customer = CustomerFactory(unit=tree.a1)
    assert receive(customer, handler, category="attitude", touchpoint="phone").unit == tree.a1


def test_a_customer_with_no_unit_leaves_the_complaint_with_the_recording_staff_members_unit(
    tree,
):
    seat = UserFactory(username="seat-b", role=Role.SEAT, unit=tree.b1)
    no_unit = CustomerFactory(owner=seat)  # the seat's customer, not yet served by a unit
    assert receive(no_unit, seat, touchpoint="phone").unit == tree.b1


def test_a_customer_complaining_themselves_is_handled_by_their_servicing_unit(tree):
    customer = CustomerFactory(unit=tree.city_b)
    me = UserFactory(username="me", role=Role.CUSTOMER, customer=customer)
    assert receive(customer, me, channel="app").unit == tree.city_b
