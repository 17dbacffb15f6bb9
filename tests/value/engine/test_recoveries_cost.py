"""Recoveries count in the value engine's claims cost (issue #16): a claim's net incurred is
paid + outstanding − recovered (subrogation recovered, salvage sold), never below 0; the
claims paid to the customer (value delivered) stay gross."""

from __future__ import annotations

import polars as pl

from carecircle.value.engine.params import ValueParams
from carecircle.value.engine.pipeline import compute, results
from tests.value.book import AS_OF, Book

PARAMS = ValueParams(as_of=AS_OF, credibility_premium=1_000.0)


def _rows(recovered: dict[str, str] | None) -> dict[str, dict]:
    book = Book()
    for i in range(10):
        book.customer(f"F{i:02d}", years=3, premium=f"{1000 + 100 * i}.00")
    book.customer("SUBRO", years=3, premium="3000.00")
    book.claim("SUBRO", days_ago=100, paid="4000.00")
    book.claim("SUBRO", days_ago=200, paid="500.00")
    inputs = book.inputs()
    if recovered is not None:
        inputs.claims = inputs.claims.with_columns(
            amount_recovered=pl.col("claim_no")
            .replace_strict(recovered, default="0")
            .cast(pl.Decimal(14, 2))
        )
    frame = results(compute(inputs, PARAMS)).collect()
    return {row["customer_no"]: row for row in frame.iter_rows(named=True)}


def test_recoveries_reduce_the_claims_cost_but_not_the_value_delivered():
    gross = _rows(None)["SUBRO"]
    net = _rows({"K-SUBRO-0": "1500.00", "K-SUBRO-1": "900.00"})["SUBRO"]
    # paid to the customer: the same
    assert net["claims_paid_3y"] == gross["claims_paid_3y"] == 450_000
    assert net["delivered_claims_paid_3y"] == gross["delivered_claims_paid_3y"]
    # the loss ratio counts 4,000 − 1,500 + max(500 − 900, 0) = 2,500 instead of 4,500
    assert abs(net["loss_ratio_3y"] / gross["loss_ratio_3y"] - 2500 / 4500) < 1e-3
    assert net["expected_claims"] < gross["expected_claims"]
    assert net["lifetime_value"] > gross["lifetime_value"]


def test_a_snapshot_without_the_recovered_column_costs_what_it_did():
    assert _rows(None)["SUBRO"]["expected_claims"] == _rows({})["SUBRO"]["expected_claims"]
