"""The importer's columns for the 交强险 floating rate and 车船税: engine size, power source,
vehicle tax, liability share and deaths are optional, and a bad value is reported row by row
(row, column, rule) while good rows load."""

import csv
from decimal import Decimal
from pathlib import Path

import pytest

from carecircle.claims.models import Claim
from carecircle.ingest.canonical import import_paths
from carecircle.parties.models import Vehicle
from carecircle.policies.models import Policy
from tests.factories import CustomerFactory, PolicyFactory, VehicleFactory, make_vin

pytestmark = pytest.mark.django_db


def write_csv(path: Path, header: list[str], rows: list[list]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def report_rows(result) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.code) for t in result.tables for e in t.errors]


def test_engine_size_and_power_source_load_and_bad_ones_are_reported(tmp_path):
    CustomerFactory(customer_no="C1")
    header = ["vehicle_no", "customer_no", "vin", "use", "seats", "displacement", "energy"]
    path = write_csv(
        tmp_path / "vehicles.csv",
        header,
        [
            ["V1", "C1", make_vin(11), "household", "5", "1.5", "petrol"],
            ["V2", "C1", make_vin(12), "household", "5", "", "battery_electric"],
            ["V3", "C1", make_vin(13), "household", "5", "", ""],
            ["V4", "C1", make_vin(14), "household", "5", "-1", "petrol"],
            ["V5", "C1", make_vin(15), "household", "5", "abc", "petrol"],
            ["V6", "C1", make_vin(16), "household", "5", "2.0", "steam"],
        ],
    )
    result = import_paths([path], progress=False)
    assert report_rows(result) == [
        (5, "displacement", "number_range"),
        (6, "displacement", "number_format"),
        (7, "energy", "unknown_power source"),
    ]
    rows = dict(Vehicle.objects.values_list("vehicle_no", "displacement"))
    energies = dict(Vehicle.objects.values_list("vehicle_no", "energy"))
    assert rows == {"V1": Decimal("1.50"), "V2": None, "V3": None}
    assert energies == {"V1": "petrol", "V2": "battery_electric", "V3": ""}


def test_vehicle_tax_loads_on_a_policy_and_a_negative_one_is_reported(tmp_path):
    VehicleFactory(vehicle_no="V1", owner=CustomerFactory(customer_no="C1"))
    header = [
        "policy_no", "kind", "customer_no", "vehicle_no", "effective_date", "expiry_date",
        "premium", "currency", "channel", "vehicle_tax",
    ]  # fmt: skip
    base = ["compulsory", "C1", "V1", "2025-06-01", "2026-06-01", "855.00", "CNY", "direct"]
    path = write_csv(
        tmp_path / "policies.csv",
        header,
        [["P1", *base, "360.00"], ["P2", *base, "-5"], ["P3", *base, ""]],
    )
    result = import_paths([path], progress=False)
    assert report_rows(result) == [(3, "vehicle_tax", "money_negative")]
    assert dict(Policy.objects.values_list("policy_no", "vehicle_tax")) == {
        "P1": Decimal("360.00"),
        "P3": None,
    }


def test_liability_share_and_deaths_load_and_bad_values_are_reported(tmp_path):
    policy = PolicyFactory(policy_no="P1", kind="compulsory")
    header = [
        "claim_no", "policy_no", "vehicle_no", "coverage", "accident_at", "reported_at",
        "amount_reserved", "amount_paid", "currency", "status", "liability_share", "deaths",
    ]  # fmt: skip

    def row(no, share, deaths):
        return [
            no, "P1", policy.vehicle.vehicle_no, "compulsory", "2026-01-10 10:00",
            "2026-01-10 11:00", "0", "2000", "CNY", "paid", share, deaths,
        ]  # fmt: skip

    path = write_csv(
        tmp_path / "claims.csv",
        header,
        [
            row("CL1", "0.7", "1"),
            row("CL2", "0", ""),
            row("CL3", "", ""),
            row("CL4", "1.5", "0"),
            row("CL5", "0.5", "-1"),
            row("CL6", "half", "x"),
        ],
    )
    result = import_paths([path], progress=False)
    assert report_rows(result) == [
        (5, "liability_share", "number_range"),
        (6, "deaths", "integer_range"),
        (7, "liability_share", "number_format"),
        (7, "deaths", "integer_format"),
    ]
    loaded = {
        no: (share, deaths)
        for no, share, deaths in Claim.objects.values_list("claim_no", "liability_share", "deaths")
    }
    assert loaded == {
        "CL1": (Decimal("0.700"), 1),
        "CL2": (Decimal("0.000"), 0),
        "CL3": (None, 0),  # liability not recorded; no deaths
    }


def test_imported_claims_are_linked_to_the_vehicles_compulsory_policy(tmp_path):
    """交强险 pays first (issue #14): an imported commercial claim is linked to the 交强险 the
    vehicle had in force on the accident day, as a reported claim is; none in force, none."""
    vehicle = VehicleFactory(vehicle_no="V9", owner=CustomerFactory(customer_no="C9"))
    dates = {"effective_date": "2025-06-01", "expiry_date": "2026-06-01"}
    commercial = PolicyFactory(
        policy_no="PC9", kind="commercial", vehicle=vehicle, customer=vehicle.owner, **dates
    )
    compulsory = PolicyFactory(
        policy_no="PJ9", kind="compulsory", vehicle=vehicle, customer=vehicle.owner, **dates
    )
    header = [
        "claim_no", "policy_no", "vehicle_no", "coverage", "accident_at", "reported_at",
        "amount_reserved", "amount_paid", "currency", "status",
    ]  # fmt: skip
    rows = [
        ["CL9", "PC9", "V9", "vehicle_damage", "2026-01-10 10:00", "2026-01-10 11:00"],
        ["CL10", "PC9", "V9", "vehicle_damage", "2026-07-10 10:00", "2026-07-10 11:00"],
    ]
    path = write_csv(
        tmp_path / "claims.csv", header, [[*r, "0", "900", "CNY", "paid"] for r in rows]
    )
    result = import_paths([path], progress=False)
    assert report_rows(result) == []
    # (the reserve ledger's backfill notes follow it, #16)
    assert any("1 claims linked to their 交强险" in n for n in result.tables[0].notes)
    links = dict(Claim.objects.values_list("claim_no", "compulsory_policy_id"))
    assert links == {"CL9": compulsory.pk, "CL10": None}
    assert Claim.objects.get(claim_no="CL9").policy_id == commercial.pk
