"""List pages, the dashboard and the report cost the same number of queries whatever the
number of claims (no query per row)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from carecircle.claims import services
from carecircle.claims.choices import Action
from carecircle.core.roles import Role
from tests.claims.services.test_workflow import report
from tests.factories import UserFactory
from tests.factories.claims import customer_user, policy_with_cover, shop, staff

pytestmark = pytest.mark.django_db
# The customer agreed on a recorded call that the shop receives their data (PIPL Art 23).
AGREED = {"share_consent": True, "consent_source": "call_recording"}


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def add_claims(n, policy, people, partner):
    for _ in range(n):
        claim = report(policy, people["handler"])
        services.transition(
            claim,
            Action.REFER,
            acting_user=people["handler"],
            data={"repair_shop_id": partner.pk, **AGREED},
        )


@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("handler", "/claims/?view=all"),
        ("manager", "/claims/dashboard/"),
        ("manager", "/claims/reports/"),
        ("customer", "/claims/my/"),
        ("shop", "/claims/shop/"),
    ],
)
def test_the_page_costs_the_same_queries_for_one_claim_or_six(client, today, who, url):
    people = staff()
    policy = policy_with_cover()
    partner = shop()
    partner.repair_terms.capacity_per_week = 50
    partner.repair_terms.save()
    users = {
        **people,
        "customer": customer_user(policy),
        "shop": UserFactory(username="shop1", role=Role.PARTNER_USER, partner=partner),
    }
    client.force_login(users[who])
    add_claims(1, policy, people, partner)
    one = queries(client, url)
    add_claims(5, policy, people, partner)
    assert queries(client, url) == one
