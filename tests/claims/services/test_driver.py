"""A claim records who drove: a customer or, for someone who is not one, a name — not both;
claims staff only, audited without the name."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from carecircle.claims.models import Claim
from carecircle.claims.services.driver import record_driver
from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog
from carecircle.core.roles import Role
from tests.factories import CustomerFactory, PlainClaimFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def handler():
    return UserFactory(role=Role.CLAIMS_HANDLER)


def test_a_customer_is_recorded_as_the_driver(handler):
    claim, friend = PlainClaimFactory(), CustomerFactory()
    record_driver(claim, acting_user=handler, driver=friend)
    claim.refresh_from_db()
    assert (claim.driver_id, claim.driver_name) == (friend.pk, "")
    assert friend.claims_driven.get() == claim


def test_someone_who_is_not_a_customer_is_recorded_by_name_and_the_audit_keeps_no_name(handler):
    claim = PlainClaimFactory()
    record_driver(claim, acting_user=handler, driver_name=" 李四 ")
    claim.refresh_from_db()
    assert (claim.driver_id, claim.driver_name) == (None, "李四")
    entry = AuditLog.objects.get(object_type="claims.claim")
    assert "李四" not in str(entry.changes) + entry.summary
    assert entry.changes == {"driver_id": [None, None], "driver_name": [False, True]}


def test_a_driver_is_a_customer_or_a_name_not_both(handler):
    claim = PlainClaimFactory()
    with pytest.raises(DomainError) as refused:
        record_driver(claim, acting_user=handler, driver=CustomerFactory(), driver_name="李四")
    assert (refused.value.code, refused.value.field) == ("driver_twice", "driver_name")
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(driver=CustomerFactory(), driver_name="李四")


def test_only_claims_staff_record_the_driver():
    claim = PlainClaimFactory()
    with pytest.raises(PermissionDenied):
        record_driver(claim, acting_user=UserFactory(role=Role.SEAT), driver_name="李四")
