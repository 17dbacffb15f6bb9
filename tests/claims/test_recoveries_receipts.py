"""Subrogation receipts (issue #16 review): every amount recovered is its own receipt on its
own day, so a subrogation recovered in two instalments counts each in its period in the
reserve report and its net incurred; the migration gave each existing recovered amount one
receipt."""

import datetime as dt
import importlib
from decimal import Decimal as D

import pytest
from django.apps import apps

from carecircle.claims.models import Subrogation, SubrogationReceipt
from carecircle.claims.selectors.reserves import reserve_report
from carecircle.claims.services import recoveries
from tests.factories import ClaimFactory, SubrogationFactory
from tests.factories.claims import staff

pytestmark = pytest.mark.django_db


def test_a_partial_recovery_in_each_year_counts_in_each_years_report(today):
    """Rule: ¥3k recovered in 2025 and ¥2k in 2026 report 3k in 2025 and 2k in 2026 (not 0
    and 5k): the report sums receipts by their own dates."""
    handler = staff()["handler"]
    claim = ClaimFactory(status="paid", handler=handler)
    sub = recoveries.open_subrogation(
        claim, acting_user=handler, against="王五", amount_sought="6000", sought_on="2025-05-01"
    )
    recoveries.record_subrogation(
        sub, acting_user=handler, recovered="3000", recovered_on="2025-11-20"
    )
    sub = recoveries.record_subrogation(
        sub, acting_user=handler, recovered="2000", recovered_on="2026-02-03"
    )
    assert list(sub.receipts.values_list("received_on", "amount", "recorded_by")) == [
        (dt.date(2025, 11, 20), D("3000.00"), handler.pk),
        (dt.date(2026, 2, 3), D("2000.00"), handler.pk),
    ]
    assert (sub.amount_recovered, sub.recovered_on) == (D("5000.00"), dt.date(2026, 2, 3))
    y2025 = reserve_report(None, dt.date(2025, 12, 31))
    y2026 = reserve_report(None, dt.date(2026, 12, 31))
    assert (y2025["recoveries"], y2026["recoveries"]) == (D("3000.00"), D("2000.00"))
    assert y2025["net_incurred"] == D("-3000.00")
    assert y2026["net_incurred"] == D("-2000.00")
    claim.refresh_from_db()
    assert claim.amount_recovered == D("5000.00")


def test_a_back_dated_receipt_does_not_move_the_last_recovery_date_back(today):
    handler = staff()["handler"]
    sub = SubrogationFactory(claim=ClaimFactory(status="paid", handler=handler))
    recoveries.record_subrogation(
        sub, acting_user=handler, recovered="100", recovered_on="2026-03-09"
    )
    sub = recoveries.record_subrogation(
        sub, acting_user=handler, recovered="100", recovered_on="2026-03-06"
    )
    assert sub.recovered_on == dt.date(2026, 3, 9)
    assert sub.receipts.count() == 2


def test_the_migration_gives_each_recovered_amount_one_receipt_on_its_date():
    """Rule: existing recovered amounts become one receipt each, on ``recovered_on``."""
    migration = importlib.import_module("carecircle.claims.migrations.0018_subrogation_receipts")
    kept = SubrogationFactory(amount_recovered=D("1200"), recovered_on=dt.date(2025, 9, 1))
    undated = SubrogationFactory(amount_recovered=D("50"), recovered_on=None)
    SubrogationFactory()  # nothing recovered: no receipt
    SubrogationReceipt.objects.all().delete()  # as before the migration
    migration.one_receipt_each(apps, None)
    assert sorted(
        SubrogationReceipt.objects.values_list("subrogation_id", "amount", "received_on")
    ) == sorted([
        (kept.pk, D("1200.00"), dt.date(2025, 9, 1)),
        (undated.pk, D("50.00"), undated.sought_on),
    ])  # fmt: skip
    assert Subrogation.objects.count() == 3
