"""A reported claim is handled by the unit (机构) that issued the policy carrying it, whichever
way it was reported (the customer's phone page, a handler, the API); and an approver acts only
on their subtree's claims, however small the amount (the subtree *and* the authority limit)."""

from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied
from ninja import NinjaAPI
from ninja.testing import TestClient

from carecircle.claims import selectors, services
from carecircle.claims.api import router
from carecircle.claims.choices import ClaimStatus
from carecircle.claims.models import Claim
from carecircle.core.api import errors
from carecircle.core.api.auth import API_AUTH
from carecircle.core.errors import DomainError
from carecircle.core.models import ApiToken
from carecircle.core.roles import Role
from carecircle.policies.models import Policy
from tests.claims.services.test_report_on_vehicle import both_policies
from tests.claims.services.test_workflow import report, walk_to_adjusted
from tests.factories import UserFactory
from tests.factories.claims import committed, customer_user, policy_with_cover
from tests.unit_tree import build_tree

pytestmark = pytest.mark.django_db

_api = NinjaAPI(urls_namespace="claims_units_test", auth=API_AUTH)
errors.install(_api)
_api.add_router("/", router)
api = TestClient(_api)


@pytest.fixture
def tree():
    return build_tree()


def in_unit(policy, unit):
    Policy.objects.filter(pk=policy.pk).update(unit=unit)
    policy.refresh_from_db()
    return policy


def test_a_handler_reporting_a_claim_books_it_in_the_policys_unit_not_their_own(today, tree):
    handler = UserFactory(username="h-hq", role=Role.CLAIMS_HANDLER)  # head office
    policy = in_unit(policy_with_cover(), tree.a1)
    assert report(policy, handler).unit == tree.a1


def test_the_customers_phone_report_is_booked_in_the_policys_unit(client, today, tree):
    policy = in_unit(policy_with_cover(), tree.b1)
    client.force_login(customer_user(policy))
    with committed():
        r = client.post(
            "/claims/my/report/",
            {
                "vehicle": policy.vehicle_id,
                "accident_at": "2026-03-01T08:30",
                "description": "停车场被剐蹭",
                "own_car": "on",
                "liability": "full",
            },
        )
    assert r.status_code == 302
    assert Claim.objects.get().unit == tree.b1


def test_an_api_report_is_booked_in_the_policys_unit(today, tree):
    handler = UserFactory(username="h-a", role=Role.CLAIMS_HANDLER, unit=tree.city_a)
    policy = in_unit(policy_with_cover(), tree.a1)
    _, raw = ApiToken.issue(handler, "test")
    r = api.post(
        "/claims",
        json={"vehicle_id": policy.vehicle_id, "accident_at": "2026-03-01T15:00:00+08:00"},
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert r.status_code == 201, r.json()
    assert Claim.objects.get(pk=r.json()["id"]).unit == tree.a1


def test_a_claim_on_the_compulsory_policy_alone_takes_its_unit(today, tree):
    handler = UserFactory(username="h-hq", role=Role.CLAIMS_HANDLER)
    compulsory, commercial = both_policies()
    Policy.objects.filter(pk=commercial.pk).update(cancelled_on=commercial.effective_date)
    in_unit(compulsory, tree.b1)
    claim = report(compulsory, handler)
    assert (claim.policy_id, claim.unit) == (compulsory.pk, tree.b1)


def test_an_approver_of_city_a_cannot_approve_a_city_b_claim_even_within_the_limit(today, tree):
    handler = UserFactory(username="h-hq", role=Role.CLAIMS_HANDLER)
    approver_a = UserFactory(username="ap-a", role=Role.CLAIMS_APPROVER, unit=tree.city_a)
    approver_b = UserFactory(username="ap-b", role=Role.CLAIMS_APPROVER, unit=tree.city_b)
    policy = in_unit(policy_with_cover(), tree.b1)
    claim = walk_to_adjusted(report(policy, handler), handler, parts="1000")
    assert claim.amount_approved == D("4000.00")  # far below an approver's ¥50,000
    with pytest.raises(PermissionDenied):
        services.approve(claim, acting_user=approver_a)
    claim.refresh_from_db()
    assert (claim.status, claim.approved_by, claim.escalated_to) == (ClaimStatus.ADJUSTED, None, "")
    services.approve(claim, acting_user=approver_b)  # the claim's own city: within the limit
    claim.refresh_from_db()
    assert (claim.status, claim.approved_by) == (ClaimStatus.APPROVED, approver_b)


def test_an_approver_of_the_claims_city_is_still_held_to_the_authority_limit(today, tree):
    handler = UserFactory(username="h-hq", role=Role.CLAIMS_HANDLER)
    approver_b = UserFactory(username="ap-b", role=Role.CLAIMS_APPROVER, unit=tree.city_b)
    policy = in_unit(policy_with_cover(), tree.b1)
    claim = walk_to_adjusted(report(policy, handler, injury=True), handler, parts="60000")
    with pytest.raises(DomainError) as refused:
        services.approve(claim, acting_user=approver_b)
    assert refused.value.code == "above_authority"
    claim.refresh_from_db()
    assert (claim.status, claim.escalated_to) == (ClaimStatus.ADJUSTED, "manager")


def test_the_approval_queue_lists_only_the_approvers_subtree(today, tree):
    handler = UserFactory(username="h-hq", role=Role.CLAIMS_HANDLER)
    approver_a = UserFactory(username="ap-a", role=Role.CLAIMS_APPROVER, unit=tree.city_a)
    in_a = walk_to_adjusted(
        report(in_unit(policy_with_cover(), tree.a1), handler), handler, parts="1000"
    )
    walk_to_adjusted(report(in_unit(policy_with_cover(), tree.b1), handler), handler, parts="1000")
    assert [c.pk for c in selectors.approval_queue(approver_a)] == [in_a.pk]
