"""Interaction services: a contact is written whole or not at all, with the rules applied."""

import pytest
from django.utils import timezone

from carecircle.core.errors import DomainError
from carecircle.core.roles import Role
from carecircle.touchpoints.models import Interaction
from carecircle.touchpoints.services.interactions import record_interaction
from tests.factories import PolicyFactory, UserFactory, VehicleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager():
    return UserFactory(username="svc-manager", role=Role.MANAGER)


@pytest.fixture
def car():
    return VehicleFactory()


def test_interaction_policy_must_belong_to_the_customer(manager, car):
    stranger_policy = PolicyFactory()
    with pytest.raises(DomainError) as exc:
        record_interaction(
            car.owner,
            acting_user=manager,
            contact_type="sales",
            medium="visit",
            direction="outbound",
            outcome="quoted",
            occurred_at=timezone.now(),
            policy_id=stranger_policy.pk,
        )
    assert exc.value.field == "policy_id"
    assert not Interaction.objects.exists()
