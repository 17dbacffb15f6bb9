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
