"""The renewal model learns from the renewal quotes: the price change offered (quoted ÷ last
year) is a factor of the book's renewal GLM, so customers quoted a rise renew less."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from carecircle.policies.models import Policy
from carecircle.renewals.choices import Stage, Status
from carecircle.renewals.models import Quote, RenewalTask
from carecircle.value.models import ModelVersion

pytestmark = pytest.mark.django_db(transaction=True)
AS_OF = dt.date(2026, 11, 22)


def test_customers_quoted_a_price_rise_renew_less_in_the_fitted_model(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    call_command(
        "generate", "--customers", "400", "--seed", "5", "--into-db", "--no-progress",
        stdout=StringIO(),
    )  # fmt: skip
    expired = Policy.objects.filter(
        kind="commercial",
        expiry_date__lte=AS_OF,
        expiry_date__gt=AS_OF - dt.timedelta(days=730),
        cancelled_on__isnull=True,
    )
    renewed = set(Policy.objects.filter(renews__in=expired).values_list("renews_id", flat=True))
    quoted = 0
    for policy in expired:
        kept = policy.pk in renewed
        task = RenewalTask.objects.create(
            policy=policy,
            customer_id=policy.customer_id,
            expiry_date=policy.expiry_date,
            premium_last_year=policy.premium,
            stage=Stage.DONE,
            status=Status.RENEWED if kept else Status.LOST,
            segment="standard",
            lift=Decimal("0"),
        )
        # Those who left had been quoted a 25 % rise, those who stayed a 5 % cut.
        factor = Decimal("0.95") if kept else Decimal("1.25")
        Quote.objects.create(
            task=task, base_premium=policy.premium, ncd_level=0, ncd_coefficient=Decimal("1"),
            pricing_coefficient=Decimal("1"), traffic_violation_coefficient=Decimal("1"),
            commercial_premium=policy.premium * factor, total=policy.premium * factor,
            last_year_total=policy.premium,
        )  # fmt: skip
        quoted += 1
    assert quoted > 100 and 0 < len(renewed) < quoted
    call_command("value", "fit", "--book", "--as-of", AS_OF.isoformat(), stdout=StringIO())
    model = ModelVersion.objects.get(kind="renewal", is_active=True, name="book")
    table = {
        row["level"]: row["relativity"]
        for row in model.coefficients["relativities"]["renewal"]["price_change"]
    }
    rise, cut = table["≥ 1.1"], table["[0.9, 0.97)"]
    assert rise < 0.2 * cut, table
