"""Row-level access: every role sees exactly its part of the book through restrict."""

import pytest

from carecircle.core.roles import Role
from carecircle.parties.models import Customer, Vehicle
from carecircle.policies.models import Policy
from tests.factories import (
    CustomerFactory,
    PartnerFactory,
    PolicyFactory,
    TeamFactory,
    UserFactory,
    VehicleFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def book():
    seat = UserFactory(username="seat1", role=Role.SEAT)
    other_seat = UserFactory(username="seat2", role=Role.SEAT)
    shop = PartnerFactory()
    mine = CustomerFactory(owner=seat)
    theirs = CustomerFactory(owner=other_seat)
    referred = CustomerFactory()
    PolicyFactory(vehicle=VehicleFactory(owner=mine))
    PolicyFactory(vehicle=VehicleFactory(owner=theirs))
    veh = VehicleFactory(owner=referred)
    # Two policies from the same partner must not duplicate the customer in the scope.
    PolicyFactory(vehicle=veh, partner=shop, channel="four_s_shop")
    PolicyFactory(vehicle=veh, partner=shop, channel="four_s_shop", kind="compulsory")
    return {
        "seat": seat,
        "other": other_seat,
        "shop": shop,
        "mine": mine,
        "theirs": theirs,
        "referred": referred,
    }


def test_manager_sees_the_whole_book(book):
    manager = UserFactory(role=Role.MANAGER)
    assert Customer.objects.restrict(manager).count() == 3


def test_seat_sees_only_the_customers_assigned_to_them(book):
    assert list(Customer.objects.restrict(book["seat"])) == [book["mine"]]
    assert list(Vehicle.objects.restrict(book["seat"]).values_list("owner", flat=True)) == [
        book["mine"].pk
    ]


def test_team_leader_sees_the_team_members_customers(book):
    team = TeamFactory(leader=book["seat"])
    book["seat"].team = team
    book["seat"].save()
    book["other"].team = team
    book["other"].save()
    assert set(Customer.objects.restrict(book["seat"])) == {book["mine"], book["theirs"]}
    assert list(Customer.objects.restrict(book["other"])) == [book["theirs"]]


def test_partner_user_sees_only_customers_its_shop_brought_once_each(book):
    user = UserFactory(role=Role.PARTNER_USER, partner=book["shop"])
    assert list(Customer.objects.restrict(user)) == [book["referred"]]
    assert Policy.objects.restrict(user).count() == 2


def test_customer_sees_only_themselves(book):
    user = UserFactory(role=Role.CUSTOMER, customer=book["theirs"])
    assert list(Customer.objects.restrict(user)) == [book["theirs"]]


def test_merchant_user_and_inactive_users_see_no_customers(book):
    merchant = UserFactory(role=Role.MERCHANT_USER, partner=PartnerFactory(kind="merchant"))
    inactive = UserFactory(role=Role.MANAGER, is_active=False)
    assert Customer.objects.restrict(merchant).count() == 0
    assert Customer.objects.restrict(inactive).count() == 0


def test_anonymous_sees_nothing(book):
    from django.contrib.auth.models import AnonymousUser

    assert Customer.objects.restrict(AnonymousUser()).count() == 0
    assert Policy.objects.restrict(AnonymousUser()).count() == 0


def test_customer_lookup_by_full_phone_uses_the_blind_index(book):
    book["mine"].set_phone("13912345678")
    book["mine"].save()
    assert list(Customer.objects.search_phone("13912345678")) == [book["mine"]]
    assert "13912345678" not in Customer.objects.values_list("phone_encrypted", flat=True)[0]
