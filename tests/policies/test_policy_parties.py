"""The parties to a policy: a new policy records applicant = insured = owner = its customer
(sold by staff or issued from a paid proposal); the bulk helper for a generated or imported
book is idempotent; one row per role; the policyholder fallback; a company's contact people
with the mobile encrypted and masked, as a customer's."""

import datetime as dt
from decimal import Decimal

import polars as pl
import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from carecircle.core import pii
from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog
from carecircle.core.roles import Role
from carecircle.policies import proposals, services
from carecircle.policies.models import CompanyContact, Policy, PolicyParty
from carecircle.policies.models_proposals import ProposalStatus
from carecircle.policies.policy_parties import (
    POLICYHOLDER,
    add_company_contact,
    default_parties_for,
    parties_of,
    roles_label,
)
from tests.factories import (
    CustomerFactory,
    PolicyFactory,
    PolicyPartyFactory,
    ProposalFactory,
    ProposalPolicyFactory,
    UserFactory,
    VehicleFactory,
)

pytestmark = pytest.mark.django_db


def roles(policy):
    return sorted(PolicyParty.objects.filter(policy=policy).values_list("role", "customer_id"))


def test_a_policy_written_by_staff_names_its_customer_in_every_role(manager):
    customer = CustomerFactory()
    policy = services.create_policy(
        acting_user=manager,
        customer=customer,
        vehicle=VehicleFactory(owner=customer),
        policy_no="PDAA2026PARTIES01",
        kind="commercial",
        effective_date=dt.date(2026, 6, 1),
        expiry_date=dt.date(2027, 6, 1),
        premium=Decimal("0.00"),
        channel="direct",
    )
    assert roles(policy) == [
        ("applicant", customer.pk),
        ("insured", customer.pk),
        ("owner", customer.pk),
    ]


def test_a_policy_issued_from_a_paid_proposal_names_its_customer_in_every_role():
    proposal = ProposalFactory(status=ProposalStatus.PAID)
    ProposalPolicyFactory(proposal=proposal)
    (policy,) = proposals.issue(proposal, timezone.now())
    assert {customer for _, customer in roles(policy)} == {proposal.customer_id}
    assert len(roles(policy)) == 3


def test_the_bulk_helper_takes_policies_pairs_or_a_frame_and_is_safe_to_run_again():
    a, b, c = PolicyFactory(), PolicyFactory(), PolicyFactory()
    assert default_parties_for([a]) == 3
    assert default_parties_for([(b.pk, b.customer_id)]) == 3
    frame = pl.DataFrame({"policy_id": [a.pk, b.pk, c.pk], "customer_id": [0, 0, c.customer_id]})
    assert default_parties_for(frame) == 3  # only c's roles were missing
    assert default_parties_for(frame) == 0
    assert default_parties_for([]) == 0
    assert default_parties_for(pl.DataFrame({"policy_id": [], "customer_id": []})) == 0
    assert PolicyParty.objects.count() == 9
    assert roles(a) == [
        ("applicant", a.customer_id),
        ("insured", a.customer_id),
        ("owner", a.customer_id),
    ]


def test_the_bulk_helper_copies_a_loaded_book_inside_the_database():
    generated = [PolicyFactory(source="generate") for _ in range(3)]
    manual = PolicyFactory(source="manual")
    default_parties_for([generated[0]])
    assert default_parties_for(Policy.objects.filter(source="generate")) == 6
    assert default_parties_for(Policy.objects.filter(source="generate")) == 0
    assert [len(roles(p)) for p in generated] == [3, 3, 3]
    assert roles(manual) == []
    assert set(PolicyParty.objects.values_list("customer_id", flat=True)) == {
        p.customer_id for p in generated
    }


def test_the_bulk_helper_leaves_a_role_already_recorded_alone():
    policy = PolicyFactory()
    other = CustomerFactory()
    PolicyPartyFactory(policy=policy, customer=other, role="insured")
    default_parties_for([policy])
    assert dict(roles(policy))["insured"] == other.pk


def test_a_policy_has_one_party_per_role():
    party = PolicyPartyFactory(role="owner")
    with pytest.raises(IntegrityError), transaction.atomic():
        PolicyParty.objects.create(policy=party.policy, customer=CustomerFactory(), role="owner")


def test_an_unknown_role_is_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        PolicyParty.objects.create(
            policy=PolicyFactory(), customer=CustomerFactory(), role="driver"
        )


def test_a_policy_without_parties_reads_as_its_customer_the_policyholder():
    policy = PolicyFactory()
    assert [(p.role, p.customer_id, p.label) for p in parties_of(policy)] == [
        (POLICYHOLDER, policy.customer_id, "投保人 / Policyholder")
    ]
    default_parties_for([policy])
    assert [p.role for p in parties_of(policy)] == ["applicant", "insured", "owner"]


def test_roles_are_labelled_in_the_usual_order_in_both_languages():
    assert roles_label(["owner", "applicant", "insured", "owner"]) == (
        "投保人 · 被保险人 · 车主 / Applicant · Insured · Vehicle owner"
    )
    assert roles_label([]) == ""


# ---- a company's contact people -------------------------------------------------------------


@pytest.fixture
def company():
    return CustomerFactory(kind="company", name="杭州顺达物流有限公司")


def test_a_contacts_mobile_is_kept_encrypted_masked_and_findable_by_its_blind_index(
    company, manager
):
    contact = add_company_contact(
        company, acting_user=manager, name=" 陈经理 ", phone="139 0000 1234", title="车队经理"
    )
    stored = CompanyContact.objects.get(pk=contact.pk)
    assert (stored.name, stored.phone_masked, stored.phone_last4) == (
        "陈经理",
        "139****1234",
        "1234",
    )
    assert "13900001234" not in stored.phone_encrypted
    assert pii.decrypt(stored.phone_encrypted) == "13900001234"
    assert stored.phone_hash == pii.blind_index("13900001234")
    entry = AuditLog.objects.get(object_type="policies.companycontact")
    assert "13900001234" not in str(entry.changes) + entry.summary
    assert entry.changes == {"phone": [None, "139****1234"]}


def test_only_a_company_has_contact_people(manager):
    with pytest.raises(DomainError) as refused:
        add_company_contact(CustomerFactory(), acting_user=manager, name="陈经理")
    assert (refused.value.code, refused.value.field) == ("not_a_company", "company_id")


def test_a_contacts_mobile_is_checked(company, manager):
    with pytest.raises(DomainError) as refused:
        add_company_contact(company, acting_user=manager, name="陈经理", phone="12345")
    assert (refused.value.code, refused.value.field) == ("mobile_format", "phone")
    assert CompanyContact.objects.count() == 0


def test_a_contact_needs_a_name_and_the_right_to_edit_customers(company, manager):
    with pytest.raises(DomainError):
        add_company_contact(company, acting_user=manager, name="  ")
    with pytest.raises(PermissionDenied):
        add_company_contact(
            company, acting_user=UserFactory(role=Role.CLAIMS_HANDLER), name="陈经理"
        )
