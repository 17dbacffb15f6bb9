"""The policy admin keeps the NCD rule of the service: a level on the region's ladder only,
the coefficient following it."""

from decimal import Decimal

import pytest
from django.forms.models import model_to_dict

from carecircle.policies.admin import PolicyAdminForm
from tests.factories.parties import VehicleFactory
from tests.factories.policies import PolicyFactory

pytestmark = pytest.mark.django_db


def form_for(policy, **changes):
    data = {k: v for k, v in model_to_dict(policy).items() if v is not None} | changes
    return PolicyAdminForm(data=data, instance=policy)


def test_admin_sets_the_coefficient_from_the_regions_ladder():
    policy = PolicyFactory(vehicle=VehicleFactory(owner__province="北京", owner__city="北京"))
    form = form_for(policy, ncd_level=-5)
    assert form.is_valid(), form.errors
    assert form.save().ncd_coefficient == Decimal("0.400")


def test_admin_refuses_minus_five_outside_beijing_and_xiamen():
    policy = PolicyFactory()
    form = form_for(policy, ncd_level=-5)
    assert not form.is_valid()
    assert "−4…5" in form.errors["ncd_level"][0]


def test_a_proposal_is_read_only_in_the_admin(admin_client):
    """Money and issue are exactly-once through the services: the admin shows a proposal, its
    lines and payments, and offers neither add, change nor delete."""
    from django.urls import reverse

    from tests.factories.proposals import PaymentOrderFactory, ProposalPolicyFactory

    line = ProposalPolicyFactory()
    PaymentOrderFactory(proposal=line.proposal)
    page = admin_client.get(reverse("admin:policies_proposal_change", args=[line.proposal.pk]))
    assert page.status_code == 200
    assert line.proposal.proposal_no in page.content.decode()
    assert 'name="_save"' not in page.content.decode()
    assert admin_client.get(reverse("admin:policies_proposal_add")).status_code == 403
    delete = reverse("admin:policies_proposal_delete", args=[line.proposal.pk])
    assert admin_client.get(delete).status_code == 403
