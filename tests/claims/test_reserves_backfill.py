"""The ledger backfill for books loaded in bulk (issue #16): an opening movement for each open
claim's reserve at its report time, a confirmed payment for each historical paid amount
without one, no reserve on a closed claim; twice is once. And on a generated book the command
``claims reserves --as-of 2026-12-31 --json`` ties out."""

import json
from decimal import Decimal as D
from io import StringIO

import pytest
from django.core.management import call_command

from carecircle.claims.models import OPEN_STATUSES, Claim, ClaimPayment, ReserveMovement
from carecircle.claims.services.backfill import backfill_ledger
from tests.factories import ClaimFactory, ClaimPaymentFactory
from tests.factories.claims import at

pytestmark = pytest.mark.django_db


def test_the_backfill_opens_open_reserves_confirms_paid_amounts_and_runs_once():
    open_ = ClaimFactory(status="assessed", amount_reserved=D("3000"))
    paid = ClaimFactory(
        status="closed", amount_paid=D("1800"), paid_at=at(3), amount_reserved=D("50")
    )
    paid_open = ClaimFactory(status="paid", amount_paid=D("900"), amount_reserved=D("400"))
    has_row = ClaimFactory(status="closed", amount_paid=D("700"))
    ClaimPaymentFactory(claim=has_row, amount=D("700"), status="confirmed", confirmed_at=at(4))
    empty = ClaimFactory(status="reported")

    done = backfill_ledger()
    assert (done.payments, done.movements, done.cleared) == (2, 2, 1)
    assert list(
        ReserveMovement.objects.order_by("claim_id").values_list(
            "claim_id", "kind", "reserve_type", "coverage", "amount", "balance_after", "at"
        )
    ) == [
        (open_.pk, "open", "case", "vehicle_damage", D("3000.00"), D("3000.00"), open_.reported_at),
        (paid_open.pk, "open", "case", "vehicle_damage", D("400.00"), D("400.00"), paid_open.reported_at),
    ]  # fmt: skip
    backfilled = ClaimPayment.objects.filter(idempotency_key__startswith="backfill:")
    assert sorted(backfilled.values_list("claim_id", "amount", "status", "kind", "round")) == [
        (paid.pk, D("1800.00"), "confirmed", "final", 0),
        (paid_open.pk, D("900.00"), "confirmed", "final", 0),
    ]
    assert backfilled.get(claim=paid).confirmed_at == at(3)
    assert backfilled.get(claim=paid_open).confirmed_at == paid_open.reported_at
    paid.refresh_from_db()
    assert paid.amount_reserved == D("0.00")  # a closed claim holds no reserve
    assert not ReserveMovement.objects.filter(claim=empty).exists()
    assert backfill_ledger() == type(done)(0, 0, 0)
    # the ledger and the claims agree: Σ movements = Σ open claims' reserves
    ledger = sum(ReserveMovement.objects.values_list("amount", flat=True), D(0))
    assert ledger == sum(
        Claim.objects.filter(status__in=OPEN_STATUSES).values_list("amount_reserved", flat=True),
        D(0),
    )


def test_on_a_generated_book_the_command_ties_out(tmp_path):
    call_command("generate", customers=150, seed=3, into_db=True, no_progress=True)
    assert ReserveMovement.objects.exists()
    out = StringIO()
    call_command("claims", "reserves", "--as-of", "2026-12-31", "--json", stdout=out)
    data = json.loads(out.getvalue())
    for key in ("opening", "closing", "paid"):
        assert isinstance(data[key], str) and D(data[key]) == D(data[key]).quantize(D("0.01"))
    assert set(data["movements"]) == {"open", "revise", "payment", "return", "release", "reopen"}
    assert D(data["opening"]) + sum(map(D, data["movements"].values())) == D(data["closing"])
    p = data["payments"]
    assert D(data["paid"]) == D(p["confirmed"]) - D(p["returned"]) + D(p["reissued"])
    for dim in ("by_unit", "by_coverage", "by_handler"):
        assert data[dim]
        for row in data[dim]:
            assert D(row["opening"]) + sum(map(D, row["movements"].values())) == D(row["closing"])
        assert sum(D(r["closing"]) for r in data[dim]) == D(data["closing"])
        assert sum(D(r["paid"]) for r in data[dim]) == D(data["paid"])
    # the closing reserve is the open claims' reserves
    assert D(data["closing"]) == sum(
        Claim.objects.filter(status__in=OPEN_STATUSES).values_list("amount_reserved", flat=True),
        D(0),
    )
