"""The complaints list by unit (机构): a city branch's handlers see their subtree's complaints,
and the month's rates are computed over their subtree (its complaints against its policies),
never the whole book; ``?unit=`` narrows both to one unit of the user's subtree and a unit
outside it is a 404."""

import datetime as dt
from decimal import Decimal

import pytest

from carecircle.core import clock
from carecircle.core.roles import Role
from carecircle.touchpoints.models import Complaint
from tests.factories import SH, CustomerFactory, PolicyFactory, UserFactory
from tests.unit_tree import build_tree

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 20, 10, 0, tzinfo=SH)


@pytest.fixture
def book():
    """March 2026: complaints in 西湖营业部 (A1, two), 海曙营业部 (B1, one) and one with no
    unit; policies written in March: ¥10,000 in A1, ¥30,000 in B1, ¥50,000 with no unit."""
    tree = build_tree()
    for unit, premium in ((tree.a1, "10000"), (tree.b1, "30000"), (None, "50000")):
        PolicyFactory(
            unit=unit,
            effective_date=dt.date(2026, 3, 1),
            expiry_date=dt.date(2027, 3, 1),
            premium=Decimal(premium),
        )
    for n, unit in enumerate((tree.a1, tree.a1, tree.b1, None)):
        Complaint.objects.create(
            complaint_no=f"TS-U-{n}",
            customer=CustomerFactory(unit=unit),
            channel="phone",
            category="speed",
            severity="normal",
            touchpoint="claims",
            summary="x",
            received_at=NOW - dt.timedelta(days=1),
            due_at=NOW - dt.timedelta(hours=1),  # overdue
            unit=unit,
        )
    return tree


def page(client, user, **params):
    client.force_login(user)
    with clock.frozen_at(NOW):
        return client.get("/ecosystem/complaints/", {"status": "all", **params})


def numbers(response):
    return sorted(c.complaint_no for c in response.context["complaints"])


def test_a_city_branch_handler_sees_their_subtrees_complaints_and_rates_only(client, book):
    handler = UserFactory(username="svc-a", role=Role.SERVICE_MANAGER, unit=book.city_a)
    response = page(client, handler)
    assert numbers(response) == ["TS-U-0", "TS-U-1"]
    rates = response.context["rates"]
    assert (rates["complaints"], rates["policies_in_force"], rates["premium_written"]) == (
        2,
        1,
        Decimal("10000.00"),
    )
    assert rates["per_10k_policies"] == Decimal("20000.00")  # 2 complaints on 1 policy
    assert response.context["overdue"] == 2


def test_head_office_sees_everything_and_narrows_to_a_unit(client, book):
    hq = UserFactory(username="svc-hq", role=Role.SERVICE_MANAGER)
    everything = page(client, hq)
    assert len(numbers(everything)) == 4
    assert everything.context["rates"]["premium_written"] == Decimal("90000.00")
    in_b = page(client, hq, unit="33020000")
    assert numbers(in_b) == ["TS-U-2"]
    rates = in_b.context["rates"]
    assert (rates["complaints"], rates["premium_written"]) == (1, Decimal("30000.00"))
    assert in_b.context["overdue"] == 1
    assert '<option value="33020000" selected>' in in_b.content.decode()


@pytest.mark.parametrize("code", ["33020000", "33000000", "nope"])
def test_a_unit_outside_the_handlers_subtree_is_a_404(client, book, code):
    handler = UserFactory(username="svc-a", role=Role.SERVICE_MANAGER, unit=book.city_a)
    assert page(client, handler, unit=code).status_code == 404
