"""Who sees what by 机构 and by partner: the one access rule (core.access) after #15.

Whole-book staff see their unit's subtree; head office sees every row; staff placed nowhere see
nothing; partners see the rows they brought or were sent, row by row, never by customer.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carecircle.claims.models import Claim
from carecircle.core.access import in_subtree, unit_subtree_ids
from carecircle.core.models import OrgUnit, UnitLevel
from carecircle.core.org import head_office
from carecircle.core.roles import Role
from carecircle.parties.models import Customer, Vehicle
from carecircle.policies.models import Policy
from carecircle.touchpoints.models import Interaction
from tests.factories import (
    ClaimFactory,
    CustomerFactory,
    InteractionFactory,
    OrgUnitFactory,
    PartnerFactory,
    PolicyFactory,
    UserFactory,
    VehicleFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    """Head office → 浙江 → 杭州 → 西湖, 滨江; 浙江 → 宁波 → 海曙."""
    root = head_office()
    zj = OrgUnitFactory(code="33000000", level=UnitLevel.PROVINCE, parent=root)
    hz = OrgUnitFactory(code="33010000", level=UnitLevel.CITY, parent=zj)
    nb = OrgUnitFactory(code="33020000", level=UnitLevel.CITY, parent=zj)
    return {
        "root": root,
        "zj": zj,
        "hz": hz,
        "nb": nb,
        "xihu": OrgUnitFactory(code="33010100", parent=hz),
        "binjiang": OrgUnitFactory(code="33010200", parent=hz),
        "haishu": OrgUnitFactory(code="33020100", parent=nb),
    }


def _customer_in(unit, **kw):
    customer = CustomerFactory(unit=unit, **kw)
    policy = PolicyFactory(vehicle=VehicleFactory(owner=customer), unit=unit)
    return customer, policy


def test_a_city_manager_sees_the_city_subtree_and_nothing_else(tree):
    in_xihu, _ = _customer_in(tree["xihu"])
    in_hz, _ = _customer_in(tree["hz"])
    in_nb, _ = _customer_in(tree["haishu"])
    manager = UserFactory(role=Role.MANAGER, unit=tree["hz"])
    assert set(Customer.objects.restrict(manager)) == {in_xihu, in_hz}
    assert set(Policy.objects.restrict(manager).values_list("customer", flat=True)) == {
        in_xihu.pk,
        in_hz.pk,
    }
    assert in_nb not in Customer.objects.restrict(manager)


def test_head_office_and_superusers_see_every_row_including_rows_with_no_unit(tree):
    _customer_in(tree["xihu"])
    _customer_in(tree["haishu"])
    unplaced_row, _ = _customer_in(None)
    boss = UserFactory(role=Role.MANAGER, unit=tree["root"])
    admin = UserFactory(role=Role.CUSTOMER, is_superuser=True)
    assert Customer.objects.restrict(boss).count() == 3
    assert Customer.objects.restrict(admin).count() == 3
    assert Customer.objects.restrict(boss).reaches_all(boss)
    assert unplaced_row in Customer.objects.restrict(boss)
    # Below head office a row with no unit is nobody's.
    assert unplaced_row not in Customer.objects.restrict(
        UserFactory(role=Role.MANAGER, unit=tree["zj"])
    )


def test_staff_placed_in_no_unit_see_nothing_by_unit(tree):
    _customer_in(tree["xihu"])
    nowhere = UserFactory(role=Role.CLAIMS_HANDLER, unit=None)
    assert unit_subtree_ids(nowhere) == []
    assert Customer.objects.restrict(nowhere).count() == 0


def test_claims_handler_sees_and_reveals_only_claims_of_their_subtree(tree):
    _, here = _customer_in(tree["binjiang"])
    _, there = _customer_in(tree["haishu"])
    mine = ClaimFactory(policy=here, vehicle=here.vehicle, unit=tree["binjiang"])
    other = ClaimFactory(policy=there, vehicle=there.vehicle, unit=tree["haishu"])
    handler = UserFactory(role=Role.CLAIMS_HANDLER, unit=tree["hz"])
    assert list(Claim.objects.restrict(handler)) == [mine]
    assert list(Claim.objects.restrict(handler, "change")) == [mine]
    assert other not in Claim.objects.restrict(handler, "change")
    # Revealing needs the permission AND the subtree.
    assert list(Customer.objects.restrict(handler, "reveal")) == [here.customer]


def test_a_seat_sees_their_own_customers_whatever_the_unit(tree):
    seat = UserFactory(role=Role.SEAT, unit=tree["xihu"])
    mine, _ = _customer_in(tree["xihu"], owner=seat)
    _customer_in(tree["xihu"])  # same unit, someone else's
    assert list(Customer.objects.restrict(seat)) == [mine]


def test_a_partner_sees_its_own_policies_not_the_shared_customers_other_policies(tree):
    shop, other_shop = PartnerFactory(), PartnerFactory()
    customer = CustomerFactory(unit=tree["xihu"])
    car = VehicleFactory(owner=customer)
    ours = PolicyFactory(vehicle=car, partner=shop, channel="four_s_shop")
    theirs = PolicyFactory(vehicle=car, partner=other_shop, channel="four_s_shop")
    direct = PolicyFactory(vehicle=VehicleFactory(owner=customer))
    InteractionFactory(customer=customer, partner=other_shop)
    own_contact = InteractionFactory(customer=customer, partner=shop)
    user = UserFactory(role=Role.PARTNER_USER, partner=shop, unit=None)
    assert list(Policy.objects.restrict(user)) == [ours]
    assert theirs not in Policy.objects.restrict(user)
    assert direct not in Policy.objects.restrict(user)
    # The customer record itself (masked on screen), once, and only the car it insured.
    assert list(Customer.objects.restrict(user)) == [customer]
    assert list(Vehicle.objects.restrict(user)) == [car]
    assert list(Interaction.objects.restrict(user)) == [own_contact]


def test_a_partner_sees_claims_on_its_policies_and_claims_sent_to_its_shop(tree):
    shop = PartnerFactory(kind="four_s_shop")
    brought = PolicyFactory(partner=shop, channel="four_s_shop")
    direct = PolicyFactory()
    on_ours = ClaimFactory(policy=brought, vehicle=brought.vehicle)
    sent_to_us = ClaimFactory(policy=direct, vehicle=direct.vehicle, repair_shop=shop)
    ClaimFactory(policy=direct, vehicle=direct.vehicle)  # neither
    user = UserFactory(role=Role.PARTNER_USER, partner=shop, unit=None)
    assert set(Claim.objects.restrict(user)) == {on_ours, sent_to_us}
    # It acts (its shop portal) only on the claims sent to its shop.
    assert list(Claim.objects.restrict(user, "change")) == [sent_to_us]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_in_subtree_is_exactly_the_path_prefix_rule(tree, data):
    """For any staff unit and any row unit: seen ⇔ the row's unit path starts with the
    staff unit's path (head office sees all, including rows with no unit)."""
    units = list(OrgUnit.objects.all())
    staff_unit = data.draw(st.sampled_from(units))
    row_unit = data.draw(st.sampled_from([*units, None]))
    user = UserFactory(role=Role.MANAGER, unit=staff_unit)
    expected = staff_unit.parent_id is None or (
        row_unit is not None and row_unit.path.startswith(staff_unit.path)
    )
    assert in_subtree(user, row_unit.pk if row_unit else None) is expected
