"""The real French portfolio loads whole: 17,155 customers, 32,114 vehicles in 2003, the 2004
renewals linked to their 2003 policies, premiums in EUR and claims with payments."""

from decimal import Decimal

import polars as pl
import pytest

from carecircle.claims.models import Claim
from carecircle.ingest.fremotor1 import import_fremotor1
from carecircle.parties.models import Customer, Vehicle
from carecircle.policies.models import Coverage, Policy

pytestmark = [pytest.mark.django_db, pytest.mark.datasets]


def test_fremotor1_loads_whole_with_renewals_premiums_and_claims(datasets_dir, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    prem = pl.read_parquet(datasets_dir / "fremotor1prem.parquet")
    sev = pl.read_parquet(datasets_dir / "fremotor1sev.parquet")
    in_2003 = set(prem.filter(pl.col("Year") == 2003)["IDpol"].to_list())
    in_2004 = set(prem.filter(pl.col("Year") == 2004)["IDpol"].to_list())
    policy_years = set(
        zip(prem["IDpol"].to_list(), prem["Year"].cast(pl.Int32).to_list(), strict=True)
    )
    claims_with_policy = sum(
        (i, d.year) in policy_years
        for i, d in zip(sev["IDpol"].to_list(), sev["OccurDate"].to_list(), strict=True)
    )

    result = import_fremotor1(datasets_dir, progress=False)

    counts = result.counts()
    assert Customer.objects.count() == 17_155
    assert Vehicle.objects.filter(policies__effective_date__year=2003).distinct().count() == 32_114
    assert Policy.objects.filter(effective_date__year=2003).count() == len(in_2003) == 32_114
    assert Policy.objects.filter(effective_date__year=2004).count() == len(in_2004)
    assert Policy.objects.filter(renews__isnull=False).count() == len(in_2003 & in_2004)
    # Three IDpol appear twice in a year with different premiums: both copies are refused
    # after the first, with the rule named, rather than one silently overwriting the other.
    assert counts["policies"]["rejected"] == 6
    assert {e.code for t in result.tables if t.table == "policies" for e in t.errors} == {
        "duplicate_key"
    }
    assert Claim.objects.count() == claims_with_policy
    assert counts["claims"]["rejected"] == sev.height - claims_with_policy
    assert {e.code for t in result.tables if t.table == "claims" for e in t.errors} <= {
        "unknown_policy_no"
    }
    assert set(Policy.objects.values_list("currency", flat=True)) == {"EUR"}

    first = prem.filter(pl.col("IDpol") == "1000113.100a").row(0, named=True)
    policy = Policy.objects.get(policy_no="FR-1000113.100a-2003")
    assert policy.premium == Decimal(str(first["PremTot"])).quantize(Decimal("0.01"))
    assert policy.channel == {"A": "agent", "B": "intermediary", "L": "direct"}[first["Channel"]]
    assert policy.customer.customer_no == "FR-1000113"
    assert Coverage.objects.filter(policy=policy).count() == sum(
        1 for k, v in first.items() if k.startswith("Prem") and k != "PremTot" and v > 0
    )
    paid = sum(Claim.objects.values_list("amount_paid", flat=True))
    assert paid > 0

    again = import_fremotor1(datasets_dir, progress=False).counts()
    assert all(t["inserted"] == 0 and t["updated"] == 0 for t in again.values())
