"""On PostgreSQL the set-based path gives the row path's database contents, counts and error
report for a mixed file of good and bad rows, and re-importing changes nothing."""

import shutil
from pathlib import Path

import polars as pl
import pytest
from django.db import connection

from carecircle.claims.models import Claim, ClaimPayment, ReserveMovement
from carecircle.core import pii
from carecircle.core.models import OrgUnit, User
from carecircle.ingest import fast, pgload
from carecircle.ingest.canonical import import_paths
from carecircle.ingest.loader import load_frame
from carecircle.ingest.readers import read_csv
from carecircle.ingest.tables import SPECS
from carecircle.parties.models import Customer, Partner, Team, Vehicle
from carecircle.policies.models import Coverage, Policy
from carecircle.touchpoints.models import Interaction
from tests.ingest.mixed_book import FILES, write_files
from tests.ingest.test_bad_input import write_csv

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the fast path is PostgreSQL's"),
]

KEYS = {Customer: "customer_no", Vehicle: "vehicle_no", Policy: "policy_no", Partner: "code",
        User: "username", Claim: "claim_no", OrgUnit: "code"}  # fmt: skip
MODELS = [Partner, Customer, Vehicle, Policy, Coverage, Claim, Interaction]


def snapshot() -> dict[str, list]:
    """Every stored value, references as business keys, personal data decrypted."""
    out = {}
    for model in MODELS:
        rows = []
        for obj in model._base_manager.all():
            row = {}
            for f in model._meta.concrete_fields:
                if f.primary_key or f.name in ("created_at", "updated_at"):
                    continue
                value = getattr(obj, f.name)
                if f.is_relation and value is not None:
                    value = getattr(value, KEYS[type(value)])
                elif f.name.endswith("_encrypted") and value:
                    value = pii.decrypt(value)
                row[f.name] = value
            rows.append(row)
        out[model.__name__] = sorted(rows, key=repr)
    return out


def reports(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8-sig") for p in sorted(folder.glob("*.errors.csv"))}


def wipe_ledger() -> None:
    """What the load's backfill wrote after the claims (#16): it holds them (PROTECT)."""
    ReserveMovement.objects.all().delete()
    ClaimPayment.objects.all().delete()


def wipe() -> None:
    wipe_ledger()
    for model in reversed(MODELS):
        model._base_manager.all().delete()
    User.objects.filter(username="agent1").delete()


def test_fast_path_matches_the_row_path_contents_counts_and_report(tmp_path, monkeypatch):
    written = []
    monkeypatch.setattr(pgload, "write_batch", _spy(pgload.write_batch, written))
    with monkeypatch.context() as m:
        m.setattr(fast, "applies", lambda spec: False)
        row_result = import_paths(write_files(tmp_path / "row"), progress=False)
    row_db, row_reports = snapshot(), reports(tmp_path / "row")
    assert not written
    wipe()
    fast_result = import_paths(write_files(tmp_path / "fast"), progress=False)
    assert set(written) == set(FILES) - {"staff"}
    assert snapshot() == row_db
    assert reports(tmp_path / "fast") == row_reports
    assert fast_result.counts() == row_result.counts()
    # The file really is mixed: rows of every table load and rows of every table are refused.
    counts = fast_result.counts()
    assert all(counts[t]["inserted"] > 0 for t in FILES)
    assert all(counts[t]["rejected"] > 0 for t in FILES if t != "staff")
    assert Policy.objects.get(policy_no="P3").renews.policy_no == "P2"


def _spy(real, calls):
    def spy(plan, batch, result):
        calls.append(plan.spec.name)
        return real(plan, batch, result)

    return spy


@pytest.mark.parametrize("batch_size", [1, 2, 3, 100])
def test_renewals_across_and_within_batches_resolve_as_in_the_row_path(tmp_path, batch_size):
    paths = write_files(tmp_path / "in")
    import_paths([p for p in paths if p.stem in ("partners", "staff", "customers", "vehicles")],
                 progress=False)  # fmt: skip
    frame = read_csv(tmp_path / "in" / "policies.csv").frame
    spec = SPECS["policies"]
    fast_result = load_frame(spec, frame, source="p", batch_size=batch_size)
    fast_db = snapshot()
    Policy.objects.all().delete()
    applies = fast.applies
    try:
        fast.applies = lambda spec: False  # type: ignore[assignment]
        row_result = load_frame(spec, frame, source="p", batch_size=batch_size)
    finally:
        fast.applies = applies  # type: ignore[assignment]
    assert snapshot() == fast_db
    assert fast_result.errors == row_result.errors
    counted = ("inserted", "updated", "unchanged", "rejected")
    assert [getattr(fast_result, k) for k in counted] == [getattr(row_result, k) for k in counted]


def test_fast_reimport_changes_nothing_and_a_changed_row_is_updated(tmp_path):
    paths = write_files(tmp_path / "in")
    import_paths(paths, progress=False)
    stamps = {m.__name__: sorted(m._base_manager.values_list("pk", *_stamp(m))) for m in MODELS}
    again = import_paths(paths, progress=False).counts()
    assert all(c["inserted"] == 0 and c["updated"] == 0 for c in again.values())
    assert again["policies"]["unchanged"] == 3  # P1 to P3; the rest are refused
    assert {m.__name__: sorted(m._base_manager.values_list("pk", *_stamp(m))) for m in MODELS} == (
        stamps
    )
    header, rows = FILES["customers"]
    changed = [list(r) for r in rows]
    changed[0][6] = "13911112222"
    write_csv(tmp_path / "in" / "customers.csv", header, changed)
    third = import_paths([tmp_path / "in" / "customers.csv"], progress=False).counts()
    assert (third["customers"]["updated"], third["customers"]["unchanged"]) == (1, 2)
    assert Customer.objects.search_phone("13911112222").get().customer_no == "C1"


def _stamp(model) -> list[str]:
    names = {f.name for f in model._meta.concrete_fields}
    return [n for n in ("updated_at", "phone_encrypted", "id_number_encrypted") if n in names]


def test_a_generated_typed_parquet_book_loads_as_through_the_row_path(tmp_path, monkeypatch):
    """Typed columns (dates, decimals, zoned timestamps, booleans, small ints) take the vector
    forms; a few corrupted policy rows show their errors are the row path's too."""
    from django.core.management import call_command

    book = tmp_path / "book"
    call_command("generate", customers=120, seed=5, out=book, workers=1, no_progress=True)
    policies = pl.read_parquet(book / "policies")
    bad = pl.int_range(pl.len()) < 3
    policies = policies.with_columns(
        pl.when(bad).then(-pl.col("premium")).otherwise("premium").alias("premium"),
        pl.when(pl.int_range(pl.len()) == 5)
        .then(pl.col("effective_date"))
        .otherwise("expiry_date")
        .alias("expiry_date"),
        pl.when(pl.int_range(pl.len()) == 7)
        .then(pl.lit("P-NONE"))
        .otherwise("renews_policy_no")
        .alias("renews_policy_no"),
    )
    shutil.rmtree(book / "policies")
    policies.write_parquet(book / "policies.parquet")
    paths = sorted(book.iterdir())
    with monkeypatch.context() as m:
        m.setattr(fast, "applies", lambda spec: False)
        row_result = import_paths(paths, progress=False)
    row_db = snapshot()
    row_errors = [(t.table, t.errors) for t in row_result.tables]
    wipe_ledger()
    for model in [*reversed(MODELS[1:]), User, Team, Partner]:
        model._base_manager.all().delete()
    fast_result = import_paths(paths, progress=False)
    assert snapshot() == row_db
    assert [(t.table, t.errors) for t in fast_result.tables] == row_errors
    # The organisation tree stays loaded between the two runs (units are not wiped).
    fast_counts, row_counts = fast_result.counts(), row_result.counts()
    assert fast_counts.pop("org_units")["unchanged"] == 206
    row_counts.pop("org_units")
    assert fast_counts == row_counts
    assert fast_result.counts()["policies"]["rejected"] >= 5


def test_an_empty_file_and_a_file_of_repeats_go_through_the_fast_path(tmp_path):
    header = FILES["partners"][0]
    empty = write_csv(tmp_path / "partners.csv", header, [])
    assert import_paths([empty], progress=False).counts()["partners"]["rows"] == 0
    row = FILES["partners"][1][0]
    repeats = write_csv(tmp_path / "partners.csv", header, [row, row, row])
    counts = import_paths([repeats], progress=False).counts()["partners"]
    assert (counts["inserted"], counts["rejected"]) == (1, 2)
