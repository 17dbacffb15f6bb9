"""Per-policy and per-vehicle value adds up to the customer's row from the batch run."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from carecircle.value.engine.params import ValueParams
from carecircle.value.engine.runner import run_value
from carecircle.value.models import CustomerValue
from carecircle.value.selectors import policy_values, vehicle_values

AS_OF = dt.date(2026, 11, 22)
CENT = Decimal("0.01")


@pytest.mark.django_db(transaction=True)
def test_policy_and_vehicle_values_add_up_to_the_customer_row(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    call_command(
        "generate", "--customers", "200", "--seed", "9", "--into-db", "--no-progress",
        stdout=StringIO(),
    )  # fmt: skip
    run_value(ValueParams(as_of=AS_OF))
    checked = 0
    for value in CustomerValue.objects.current().filter(claims_count_3y__gt=0)[:25]:
        rows = policy_values(value.customer_id, AS_OF)
        assert sum(r["premium"] for r in rows) == value.written_premium_3y
        assert sum(r["incurred"] for r in rows) == value.claims_paid_3y + value.claims_outstanding
        # per-policy rounding to the cent: at most half a cent per policy apart
        tolerance = CENT * len(rows)
        assert abs(sum(r["earned"] for r in rows) - value.earned_premium_3y) <= tolerance
        assert abs(sum(r["expense"] for r in rows) - value.expense_3y) <= tolerance
        vehicles = vehicle_values(rows)
        assert sum(v["margin"] for v in vehicles) == sum(r["margin"] for r in rows)
        assert sum(v["accidents"] for v in vehicles) == value.claims_count_3y
        checked += 1
    assert checked == 25


@pytest.mark.django_db
def test_customer_without_policies_has_no_rows():
    from carecircle.parties.models import Customer

    customer = Customer.objects.create(customer_no="C-EMPTY", kind="person", name="测试")
    assert policy_values(customer.pk, AS_OF) == []
    assert vehicle_values([]) == []
