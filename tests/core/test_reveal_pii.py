"""Full personal data only for roles that need it, and every look is in the audit log."""

import pytest
from django.core.exceptions import PermissionDenied

from carecircle.core.models import AuditLog
from carecircle.core.roles import Role
from carecircle.parties.services import reveal_pii
from tests.factories import CustomerFactory, PartnerFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_seat_may_reveal_the_phone_and_the_reveal_is_audited():
    seat = UserFactory(role=Role.SEAT)
    customer = CustomerFactory(owner=seat)
    customer.set_phone("13700001111")
    customer.save()
    assert reveal_pii(customer, "phone", acting_user=seat) == "13700001111"
    entry = AuditLog.objects.get()
    assert (entry.actor, entry.action, entry.object_id) == (seat, "reveal_pii", str(customer.pk))


def test_partner_user_may_not_reveal_and_the_refusal_is_audited():
    partner_user = UserFactory(role=Role.PARTNER_USER, partner=PartnerFactory())
    customer = CustomerFactory()
    with pytest.raises(PermissionDenied):
        reveal_pii(customer, "id_number", acting_user=partner_user)
    assert list(AuditLog.objects.values_list("action", flat=True)) == ["denied"]
