"""`carecircle demo` builds a usable demo: a book, one login per role, each role with data."""

import pytest
from django.core.management import call_command

from carecircle.core.models import User
from carecircle.core.roles import Role
from carecircle.parties.models import Customer
from carecircle.policies.models import Policy

pytestmark = pytest.mark.django_db


def test_demo_creates_a_book_and_one_working_login_per_role(capsys):
    call_command("demo", customers=300, seed=3, no_serve=True)
    out = capsys.readouterr().out
    logins = {
        u.username: u
        for u in User.objects.filter(
            username__in=[
                "manager",
                "teamlead",
                "seat",
                "agent",
                "claims",
                "approver",
                "service",
                "partner",
                "merchant",
                "customer",
            ]
        )
    }
    assert {u.role for u in logins.values()} == set(Role.values)
    assert all(u.check_password("carecircle") for u in logins.values())
    assert "password / 密码: carecircle" in out
    assert Customer.objects.count() == 300
    # Every role lands on something to look at.
    assert Customer.objects.restrict(logins["seat"]).exists()
    assert Customer.objects.restrict(logins["agent"]).exists()
    assert logins["partner"].partner.kind == "four_s_shop"
    assert Policy.objects.restrict(logins["partner"]).exists()
    assert logins["merchant"].partner.kind == "merchant"
    assert Customer.objects.restrict(logins["customer"]).count() == 1
    # Team leader sees the seat's customers too.
    assert (
        Customer.objects.restrict(logins["teamlead"]).count()
        > Customer.objects.filter(owner=logins["teamlead"]).count()
    )


def test_running_the_demo_twice_keeps_the_same_book_and_logins():
    call_command("demo", customers=200, seed=3, no_serve=True)
    before = (
        Customer.objects.count(),
        User.objects.count(),
        Customer.objects.filter(owner__username="seat").count(),
    )
    call_command("demo", customers=200, seed=3, no_serve=True)
    assert (
        Customer.objects.count(),
        User.objects.count(),
        Customer.objects.filter(owner__username="seat").count(),
    ) == before
