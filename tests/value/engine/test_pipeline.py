"""The value pipeline on hand-built customers: exact figures and the humane tier rules."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import polars as pl
import pytest

from carecircle.value.engine.params import ValueParams
from carecircle.value.engine.pipeline import compute, results
from tests.value.book import AS_OF, Book, prior

DIAMOND, PLATINUM, GOLD, SILVER, STANDARD = 4, 3, 2, 1, 0
PARAMS = ValueParams(as_of=AS_OF, credibility_premium=1_000.0)


def _book() -> Book:
    book = Book()
    for i in range(40):  # an ordinary, claim-free book around the cases
        book.customer(f"F{i:02d}", years=3, premium=f"{1000 + 100 * i}.00")
    # one step a year, downwards: lapsed, so no value left
    book.customer("LAPSED", years=3, lapsed=True)
    # one step a year, upwards: by far the most valuable customer
    book.customer("RISER", years=2, premium="100000.00")
    book.customer("MOVED", years=2, premium="90000.00")
    # loyal 8 years, one large injury claim 100 days ago
    book.customer("LOYAL", years=8, premium="4000.00")
    book.claim("LOYAL", days_ago=100, paid="200000.00", injury=True)
    # same claim, but only 2 years with us: no loyalty protection
    book.customer("SHORT", years=2, premium="4000.00")
    book.claim("SHORT", days_ago=100, paid="200000.00", injury=True)
    # new driver: five small claims the year before last, one last year (falling)
    book.customer("NEWDRV", years=3, premium="1000.00")
    for days in (380, 420, 460, 500, 540):
        book.claim("NEWDRV", days_ago=days, paid="2000.00")
    book.claim("NEWDRV", days_ago=100, paid="2000.00")
    # repeated small claims, rising, 4 years with us: proposed for the grey list
    book.customer("REPEAT", years=4, premium="1000.00")
    book.claim("REPEAT", days_ago=400, paid="2000.00")
    for days in (60, 100, 140, 180, 220):
        book.claim("REPEAT", days_ago=days, paid="2000.00")
    book.customer("APPROVED", years=3, lapsed=True)
    book.customer("NEWC", years=1, premium="2500.00")
    # exact figures
    book.customer("SIMPLE", years=3, premium="3000.00")
    book.claim("SIMPLE", days_ago=200, paid="1000.00")
    for days in (20, 50):
        book.interactions.append(
            {
                "customer_no": "SIMPLE",
                "contact_type": "service",
                "occurred_at": dt.datetime(2026, 11, 22 - days // 10, 9),
                "outcome": "resolved",
                "satisfaction": 5,
            }
        )
    return book


PRIOR = [
    {"customer_no": "LAPSED", "previous_rank": DIAMOND, "year_ago_rank": DIAMOND},
    {"customer_no": "RISER", "previous_rank": STANDARD, "year_ago_rank": STANDARD},
    {"customer_no": "MOVED", "previous_rank": PLATINUM, "year_ago_rank": GOLD},
    {"customer_no": "LOYAL", "previous_rank": DIAMOND, "year_ago_rank": DIAMOND},
    {"customer_no": "SHORT", "previous_rank": DIAMOND, "year_ago_rank": DIAMOND},
    {"customer_no": "NEWDRV", "previous_rank": SILVER},
    {"customer_no": "REPEAT", "previous_rank": SILVER},
    {"customer_no": "APPROVED", "previous_rank": DIAMOND, "approved_rank": STANDARD},
    {"customer_no": "SIMPLE", "previous_rank": GOLD},
]


@pytest.fixture(scope="module")
def out() -> dict[str, dict]:
    inputs = _book().inputs()
    inputs.prior = prior(PRIOR)
    frame = results(compute(inputs, PARAMS)).collect()
    return {row["customer_no"]: row for row in frame.iter_rows(named=True)}


def test_loyal_customer_with_one_large_injury_claim_keeps_tier_and_goes_to_a_person(out):
    row = out["LOYAL"]
    assert row["rule_tier"] == "standard"  # the rules alone would drop four steps
    assert (row["tier"], row["needs_review"], row["list_proposal"]) == (
        "diamond",
        "loyal_large_claim",
        "",
    )
    assert "loyal_large_claim" in row["reasons"].split(",")


def test_the_same_claim_without_loyalty_moves_one_step_and_goes_to_a_person(out):
    row = out["SHORT"]
    assert (row["rule_tier"], row["tier"], row["needs_review"]) == (
        "standard",
        "platinum",
        "step_limited",
    )


def test_tier_falls_at_most_one_step_a_year(out):
    assert (out["LAPSED"]["tier"], out["LAPSED"]["needs_review"]) == ("platinum", "step_limited")
    assert "no_cover" in out["LAPSED"]["reasons"].split(",")


def test_tier_rises_at_most_one_step_a_year(out):
    assert out["RISER"]["rule_tier"] == "diamond"
    assert (out["RISER"]["tier"], out["RISER"]["needs_review"]) == ("silver", "step_limited")


def test_one_step_counts_from_the_tier_a_year_ago_not_the_last_run(out):
    # gold a year ago, platinum now, diamond by the rules: stays platinum until next year
    assert out["MOVED"]["rule_tier"] == "diamond"
    assert (out["MOVED"]["tier"], out["MOVED"]["needs_review"]) == ("platinum", "step_limited")


def test_improving_new_driver_with_small_claims_is_not_listed(out):
    row = out["NEWDRV"]
    assert row["claims_count_3y"] == 6
    assert row["list_proposal"] == ""
    assert "improving" in row["reasons"].split(",")


def test_repeated_rising_claims_are_proposed_for_the_grey_list_not_applied(out):
    row = out["REPEAT"]
    assert row["claims_count_3y"] == 6
    assert row["loss_ratio_credible"] >= 1.5
    assert row["list_proposal"] == "grey"
    assert "list_grey" in row["reasons"].split(",")


def test_a_persons_decision_wins_over_the_rules(out):
    row = out["APPROVED"]
    assert (row["tier"], row["needs_review"]) == ("standard", "")
    assert "person_approved" in row["reasons"].split(",")


def test_new_customer_gets_the_rules_tier_without_review(out):
    row = out["NEWC"]
    assert row["previous_tier"] == ""
    assert row["tier"] == row["rule_tier"]
    assert row["needs_review"] == ""


def test_value_to_the_insurer_exact_figures(out):
    row = out["SIMPLE"]
    assert row["written_premium_3y"] == 900_000  # three policy years × ¥3,000, in cents
    # the in-force policy started 30 days ago: 30/365 of it earned
    assert row["earned_premium_3y"] == round((6000 + 3000 * 30 / 365) * 100)
    assert row["annual_premium"] == 300_000
    assert row["claims_paid_3y"] == 100_000
    assert row["expense_3y"] == 126_000  # direct channel: 14 %
    assert row["loss_ratio_3y"] == pytest.approx(round(1000 / (6000 + 3000 * 30 / 365), 4))
    assert row["tenure_years"] == pytest.approx(round((30 + 730) / 365.25, 1))


def test_lifetime_value_is_the_discounted_retained_margin(out):
    row = out["SIMPLE"]
    r = row["renewal_probability"]
    q = r / 1.06
    expected = row["annual_margin"] / 100 * q * (1 - q**5) / (1 - q)
    assert row["lifetime_value"] / 100 == pytest.approx(expected, abs=0.02 + abs(expected) * 1e-4)


def test_value_delivered_counts_claims_services_and_discounts(out):
    row = out["SIMPLE"]
    assert row["services_used_3y"] == 2
    assert row["services_value_3y"] == 30_000
    assert row["discounts_3y"] == 0  # NCD 1.0 × pricing 1.0: no discount
    assert row["value_delivered_3y"] == 100_000 + 30_000
    assert row["days_to_pay_median"] == pytest.approx(round(10 - 2 / 24, 1))


def test_customer_with_no_history_is_standard_with_no_value():
    book = _book()
    book.customers.append({"customer_no": "EMPTY", "first_insured_on": None})
    frame = results(compute(book.inputs(), PARAMS)).collect()
    row = frame.filter(pl.col("customer_no") == "EMPTY").row(0, named=True)
    assert (row["tier"], row["lifetime_value"], row["written_premium_3y"]) == ("standard", 0, 0)
    assert row["reasons"].split(",")[:1] == ["new_customer"]


def test_same_input_gives_identical_results():
    first = results(compute(_book().inputs(), PARAMS)).collect()
    second = results(compute(_book().inputs(), replace(PARAMS))).collect()
    assert first.equals(second)
