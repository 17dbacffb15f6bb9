"""The value engine counts accidents by the NCD's rule (claims.selectors.history): a claim
closed with nothing paid and a service rider are not accidents; their money still counts."""

from __future__ import annotations

import polars as pl

from carecircle.value.engine.params import ValueParams
from carecircle.value.engine.pipeline import compute, results
from tests.value.book import AS_OF, Book

PARAMS = ValueParams(as_of=AS_OF, credibility_premium=1_000.0)


def _rows(with_coverage: bool) -> dict[str, dict]:
    book = Book()
    for i in range(10):
        book.customer(f"F{i:02d}", years=3, premium=f"{1000 + 100 * i}.00")
    book.customer("MIXED", years=3, premium="3000.00")
    book.claim("MIXED", days_ago=100, paid="1000.00")  # a paid accident: counts
    book.claim("MIXED", days_ago=150, paid="0.00")  # closed with nothing paid: not a claim
    book.claim("MIXED", days_ago=200, paid="300.00")  # roadside rescue: a service
    inputs = book.inputs()
    if with_coverage:
        riders = {"K-MIXED-2": "roadside_rescue"}
        inputs.claims = inputs.claims.with_columns(
            coverage=pl.col("claim_no").replace_strict(riders, default="vehicle_damage")
        )
    frame = results(compute(inputs, PARAMS)).collect()
    return {row["customer_no"]: row for row in frame.iter_rows(named=True)}


def test_claims_closed_unpaid_and_service_riders_are_not_counted_as_accidents():
    row = _rows(with_coverage=True)["MIXED"]
    assert row["claims_count_3y"] == 1
    assert row["claims_paid_3y"] == 130_000  # cents: the rider's ¥300 is still a cost


def test_without_a_coverage_column_only_the_unpaid_closed_claim_drops_out():
    assert _rows(with_coverage=False)["MIXED"]["claims_count_3y"] == 2
