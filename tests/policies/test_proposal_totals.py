"""A proposal's total due is its premium plus the 车船税, to the cent, on every database —
SQLite keeps decimals as floating point, so the check allows half a cent and no more."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carecircle.parties.models import Vehicle
from tests.factories.parties import VehicleFactory
from tests.factories.proposals import ProposalFactory

pytestmark = pytest.mark.django_db

cents = st.integers(min_value=0, max_value=99_999_999).map(lambda c: Decimal(c) / 100)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    premium=cents, tax=st.integers(min_value=0, max_value=540_000).map(lambda c: Decimal(c) / 100)
)
def test_any_exact_sum_is_accepted(premium, tax):
    vehicle = Vehicle.objects.first() or VehicleFactory()
    with transaction.atomic():
        proposal = ProposalFactory(
            vehicle=vehicle, premium=premium, vehicle_tax=tax, total_due=premium + tax
        )
        transaction.set_rollback(True)
    assert proposal.total_due == premium + tax


@pytest.mark.parametrize("off", [Decimal("0.01"), Decimal("-0.01"), Decimal("1.00")])
def test_a_total_a_cent_or_more_off_is_refused(off):
    with pytest.raises(IntegrityError), transaction.atomic():
        ProposalFactory(
            premium=Decimal("2955.10"),
            vehicle_tax=Decimal("360.20"),
            total_due=Decimal("3315.30") + off,
        )
