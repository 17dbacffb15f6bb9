"""`carecircle demo` builds a usable demo: a book, one login per role, each role with data."""

import os
import subprocess
import sys

import pytest
from django.core.management import call_command

from carecircle.claims.models import Claim
from carecircle.core.models import UnitLevel, User
from carecircle.core.roles import Role
from carecircle.ecosystem.models import Agreement
from carecircle.parties.models import Customer, CustomerListFlag
from carecircle.policies.models import Policy
from carecircle.web.management.commands.demo import database_problem

pytestmark = pytest.mark.django_db


def test_demo_creates_a_book_and_one_working_login_per_role(capsys):
    call_command("demo", customers=300, seed=3, no_serve=True, allow_database_url=True)
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
                "underwriter",
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
    # 机构: head office for the manager and the service manager, the busiest city branch for
    # claims staff, one of its sub-branches for the seat, the team leader and the agent.
    units = {name: user.unit for name, user in logins.items()}
    assert units["manager"].code == units["service"].code == "00000000"
    assert units["claims"] == units["approver"]
    assert units["claims"].level == UnitLevel.CITY
    for seller in ("seat", "teamlead", "agent"):
        assert units[seller].level == UnitLevel.SUB_BRANCH
        assert units[seller].parent == units["claims"]
    assert all(units[name] is None for name in ("partner", "merchant", "customer"))
    assert logins["teamlead"].team.unit == units["teamlead"]
    # The claims handler works the demo claims, all in their city.
    demo_claims = Claim.objects.filter(description__startswith="[演示]")
    assert demo_claims.count() >= 5
    assert demo_claims.restrict(logins["claims"], "change").count() == demo_claims.count()
    assert (
        not Claim.objects.restrict(logins["claims"])
        .exclude(unit__path__startswith=units["claims"].path)
        .exists()
    )
    # The customer and the 4S shop are from the demo city; every agreement has a unit.
    assert logins["customer"].customer.unit.path.startswith(units["claims"].path)
    assert not Agreement.objects.filter(unit__isnull=True).exists()
    assert "[成都中心支公司]" in out or f"[{units['claims'].name}]" in out
    # Lists that act (#16): a black- and a grey-listed customer with the seat's open renewals.
    seats = Customer.objects.filter(renewal_tasks__assignee=logins["seat"])
    flags = CustomerListFlag.objects.filter(customer__in=seats)
    assert sorted(flags.values_list("kind", flat=True)) == ["black", "grey"]
    assert units["underwriter"] == units["claims"]


def test_running_the_demo_twice_keeps_the_same_book_and_logins():
    call_command("demo", customers=200, seed=3, no_serve=True, allow_database_url=True)
    before = (
        Customer.objects.count(),
        User.objects.count(),
        Customer.objects.filter(owner__username="seat").count(),
    )
    call_command("demo", customers=200, seed=3, no_serve=True, allow_database_url=True)
    assert (
        Customer.objects.count(),
        User.objects.count(),
        Customer.objects.filter(owner__username="seat").count(),
    ) == before


def test_demo_refuses_a_database_url_that_is_not_sqlite(tmp_path):
    """#21 review: `demo` is key-free and follows DATABASE_URL, so on a production host it would
    load a synthetic book and demo logins into the production database."""
    env = {
        **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
        "DATABASE_URL": "postgres://nobody@127.0.0.1:9/production",
        "CARECIRCLE_DATA_DIR": str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, "-m", "carecircle", "demo", "--no-serve"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "CommandError: " + database_problem("django.db.backends.postgresql", allow=False)
    ]
    assert done.stdout == ""


def test_the_demo_database_rule():
    assert database_problem("django.db.backends.sqlite3", allow=False) is None
    assert database_problem("django.db.backends.postgresql", allow=True) is None
    assert "--allow-database-url" in database_problem("django.db.backends.postgresql", allow=False)
