"""After a bulk load (#15): the marketing flag becomes consent per channel and every policy
names its parties — the checks read the consent record and the 360 reads the parties, so an
import that left them out would block every call and show no roles. A re-import adds nothing."""

import csv
from pathlib import Path

import pytest

from carecircle.ingest.canonical import import_paths
from carecircle.parties import consent
from carecircle.parties.models import ConsentEvent, Customer
from carecircle.policies.models import PolicyParty

pytestmark = pytest.mark.django_db


def write_csv(path: Path, header: list[str], rows: list[list]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _files(tmp_path: Path) -> list[Path]:
    customers = write_csv(
        tmp_path / "customers.csv",
        ["customer_no", "kind", "name", "marketing_consent"],
        [["C1", "person", "王一", "true"], ["C2", "person", "李二", "false"]],
    )
    vehicles = write_csv(
        tmp_path / "vehicles.csv",
        ["vehicle_no", "customer_no", "use", "seats"],
        [["V1", "C1", "household", "5"], ["V2", "C2", "household", "5"]],
    )
    policies = write_csv(
        tmp_path / "policies.csv",
        ["policy_no", "kind", "customer_no", "vehicle_no", "effective_date", "expiry_date",
         "premium", "currency", "channel"],
        [["P1", "commercial", "C1", "V1", "2026-01-01", "2027-01-01", "2760.00", "CNY", "direct"],
         ["P2", "compulsory", "C2", "V2", "2026-01-01", "2027-01-01", "950.00", "CNY", "direct"]],
    )  # fmt: skip
    return [customers, vehicles, policies]


def test_an_import_records_consent_per_channel_and_the_parties_of_each_policy(tmp_path):
    result = import_paths(_files(tmp_path), progress=False)
    assert result.rejected == 0
    yes, no = Customer.objects.get(customer_no="C1"), Customer.objects.get(customer_no="C2")
    assert consent.allows(yes, "marketing", "phone") is True
    assert consent.allows(yes, "marketing", "sms") is True
    assert consent.allows(no, "marketing", "phone") is False
    roles = sorted(
        PolicyParty.objects.values_list("policy__policy_no", "customer__customer_no", "role")
    )
    assert roles == [
        ("P1", "C1", "applicant"), ("P1", "C1", "insured"), ("P1", "C1", "owner"),
        ("P2", "C2", "applicant"), ("P2", "C2", "insured"), ("P2", "C2", "owner"),
    ]  # fmt: skip
    notes = {t.table: t.notes for t in result.tables}
    assert "marketing consent recorded for 1 customers" in notes["customers"]
    assert "6 policy parties (applicant, insured, owner)" in notes["policies"]


def test_importing_the_same_files_again_adds_no_consent_and_no_parties(tmp_path):
    import_paths(_files(tmp_path), progress=False)
    events, parties = ConsentEvent.objects.count(), PolicyParty.objects.count()
    import_paths(_files(tmp_path), progress=False)
    assert (ConsentEvent.objects.count(), PolicyParty.objects.count()) == (events, parties)
