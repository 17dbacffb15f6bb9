"""Generated claims carry referrals (送修) to real network shops in the customer's city, for
assessed own-damage claims only, with the configured shares; the rest of the book is unchanged
by drawing them (their own random stream)."""

from pathlib import Path

import polars as pl
import pytest
from django.db import models

from carecircle.datagen.claims import ASSESSED_STAGES, REFERRED_SHARE
from carecircle.datagen.config import GenerateOptions
from carecircle.datagen.writer import generate, read_table


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("referrals")
    generate(GenerateOptions(customers=6_000, seed=7), out)
    return out


def test_referrals_go_to_existing_shops_in_the_customers_city(book):
    claims = read_table(book, "claims").collect()
    partners = read_table(book, "partners").collect()
    referred = claims.filter(pl.col("repair_shop_code").is_not_null())
    shops = referred.join(
        partners.select(pl.col("code").alias("repair_shop_code"), "kind", "city"),
        on="repair_shop_code",
        how="left",
    )
    assert shops["kind"].null_count() == 0  # every code is a generated partner
    assert set(shops["kind"]) == {"four_s_shop", "repair_shop"}
    customers = read_table(book, "customers").collect().select("customer_no", "city")
    policies = read_table(book, "policies").collect().select("policy_no", "customer_no")
    where = shops.join(policies, on="policy_no").join(customers, on="customer_no", suffix="_c")
    assert (where["city"] == where["city_c"]).all()


def test_only_assessed_own_damage_claims_are_referred_at_about_the_configured_share(book):
    claims = read_table(book, "claims").collect()
    referred = claims.filter(pl.col("repair_shop_code").is_not_null())
    assert set(referred["coverage"]) == {"vehicle_damage"}
    assert set(referred["status"]) <= set(ASSESSED_STAGES)
    eligible = claims.filter(
        (pl.col("coverage") == "vehicle_damage") & pl.col("status").is_in(ASSESSED_STAGES)
    )
    share = referred.height / eligible.height
    assert eligible.height > 1_000
    assert abs(share - REFERRED_SHARE) < 0.04
    four_s = referred.filter(pl.col("repair_shop_code").str.starts_with("FS")).height
    assert 0.3 < four_s / referred.height < 0.7  # young cars mostly to the 4S shop


def test_the_same_seed_gives_the_same_referrals(book, tmp_path):
    generate(GenerateOptions(customers=6_000, seed=7), tmp_path)
    before = read_table(book, "claims").select("claim_no", "repair_shop_code").collect()
    again = read_table(tmp_path, "claims").select("claim_no", "repair_shop_code").collect()
    assert before.equals(again)


@pytest.mark.django_db
def test_imported_claims_keep_their_referral_to_the_shop():
    """The importer maps repair_shop_code to the claim's repair shop (ingest/tables.py), so the
    scorecards' repair value sent and the reports by shop have the generated referrals."""
    from django.core.management import call_command

    from carecircle.claims.models import Claim

    call_command("generate", customers=1_500, seed=7, into_db=True, no_progress=True)
    referred = Claim.objects.filter(repair_shop__isnull=False)
    assert referred.exists()
    kinds = set(referred.values_list("repair_shop__kind", flat=True).distinct())
    assert kinds <= {"four_s_shop", "repair_shop"} and kinds
    assert not referred.exclude(repair_shop__city=models.F("policy__customer__city")).exists()
