"""The generated book is valid Chinese data, linked, and the same for the same seed."""

import hashlib
from pathlib import Path

import polars as pl
import pytest
from django.core.exceptions import ValidationError

from carecircle.core.validators import (
    check_id_number,
    check_mobile,
    check_plate,
    check_uscc,
    check_vin,
)
from carecircle.datagen.config import GenerateOptions
from carecircle.datagen.writer import generate, read_table


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("book")
    generate(GenerateOptions(customers=3_000, seed=42), out)
    return out


def _all_valid(values, check) -> list[str]:
    bad = []
    for v in values:
        try:
            check(v)
        except ValidationError:
            bad.append(v)
    return bad


def test_every_identifier_passes_its_national_standard(book):
    customers = read_table(book, "customers").collect()
    vehicles = read_table(book, "vehicles").collect()
    assert _all_valid(customers["id_number"].drop_nulls().to_list(), check_id_number) == []
    assert _all_valid(customers["uscc"].drop_nulls().to_list(), check_uscc) == []
    assert _all_valid(customers["phone"].drop_nulls().to_list(), check_mobile) == []
    assert _all_valid(vehicles["vin"].drop_nulls().to_list(), check_vin) == []
    assert _all_valid([p for p in vehicles["plate"].drop_nulls().to_list() if p], check_plate) == []
    assert customers["customer_no"].n_unique() == customers.height == 3_000
    assert vehicles["vin"].drop_nulls().n_unique() == vehicles["vin"].drop_nulls().len()


def test_policies_link_to_existing_vehicles_and_renewals_to_earlier_policies(book):
    policies = read_table(book, "policies").collect()
    vehicles = read_table(book, "vehicles").collect()
    assert (policies["expiry_date"] > policies["effective_date"]).all()
    assert set(policies["vehicle_no"]) <= set(vehicles["vehicle_no"])
    renewals = policies.filter(pl.col("renews_policy_no").is_not_null()).join(
        policies.select(
            "policy_no",
            pl.col("expiry_date").alias("prev_expiry"),
            pl.col("vehicle_no").alias("prev_vehicle"),
        ),
        left_on="renews_policy_no",
        right_on="policy_no",
    )
    assert renewals.height == policies["renews_policy_no"].drop_nulls().len() > 0
    assert (renewals["prev_vehicle"] == renewals["vehicle_no"]).all()
    assert (renewals["prev_expiry"] <= renewals["effective_date"]).all()


def test_same_seed_gives_byte_identical_files(book, tmp_path):
    generate(GenerateOptions(customers=3_000, seed=42), tmp_path)

    def digest(folder: Path) -> dict[str, str]:
        return {
            str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*.parquet"))
        }

    assert digest(tmp_path) == digest(book)
