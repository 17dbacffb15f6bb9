"""A generated book meets DOMAIN.md's calibration figures and prices every policy by the rules.

One book of 40,000 customers (seed 7) is generated per module; each figure must stay inside the
tolerance written in ``carecircle.datagen.calibration.TARGETS`` (and docs/calibration.md), so a
change to the generator that drifts the book away from the market fails here.
"""

from __future__ import annotations

import itertools
from decimal import Decimal
from functools import cache
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from carecircle.datagen import rules as datagen_rules
from carecircle.datagen.book import COVERAGES, coverage_base
from carecircle.datagen.calibration import TARGETS, VOID_STATUSES, Target, measure
from carecircle.datagen.config import Calibration, GenerateOptions
from carecircle.datagen.customers import USES
from carecircle.datagen.reference import CITIES
from carecircle.datagen.rules import compulsory_base
from carecircle.datagen.writer import generate, read_table
from carecircle.policies import compulsory as compulsory_rules
from carecircle.policies import conf as policies_conf
from carecircle.policies import ncd, rules
from carecircle.policies.compulsory import CompulsoryYear

CUSTOMERS = 40_000
SEED = 7


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("calibration-book")
    generate(GenerateOptions(customers=CUSTOMERS, seed=SEED), out)
    return out


@pytest.fixture(scope="module")
def figures(book) -> dict[str, float]:
    return measure(book)


@pytest.fixture(scope="module")
def policies(book) -> pl.DataFrame:
    return read_table(book, "policies").collect()


@pytest.fixture(scope="module")
def vehicles(book) -> pl.DataFrame:
    return read_table(book, "vehicles").collect()


@pytest.fixture(scope="module")
def claims(book) -> pl.DataFrame:
    return read_table(book, "claims").collect()


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.figure)
def test_calibration_figure_within_its_tolerance_of_the_market_figure(figures, target: Target):
    value = figures[target.figure]
    assert target.met(value), (
        f"{target.label}: {value} outside [{target.low}, {target.high}] "
        f"(DOMAIN.md {target.target}, tolerance {target.tolerance})"
    )


def _claims_per_policy(claims: pl.DataFrame, kind_filter: pl.Expr) -> pl.DataFrame:
    """Accidents per policy that count for the rating rules: reported, not withdrawn or
    rejected (an accident may give several claim rows on one policy, one per coverage)."""
    return (
        claims.filter(kind_filter, ~pl.col("status").is_in(VOID_STATUSES))
        .group_by("policy_no")
        .agg(pl.col("accident_at").n_unique().alias("claims"))
    )


def _chains(policies: pl.DataFrame, counts: pl.DataFrame) -> list[tuple[list[int], list[int]]]:
    """Each vehicle's run of linked policies of one kind: (levels, claim counts), oldest first."""
    rows = policies.join(counts, on="policy_no", how="left").with_columns(
        pl.col("claims").fill_null(0)
    )
    by_no = {r["policy_no"]: r for r in rows.iter_rows(named=True)}
    successor = {
        r["renews_policy_no"]: r["policy_no"] for r in by_no.values() if r["renews_policy_no"]
    }
    chains = []
    for r in by_no.values():
        if r["renews_policy_no"] is not None:
            continue
        levels, counts_ = [r["ncd_level"]], [r["claims"]]
        while r["policy_no"] in successor:
            r = by_no[successor[r["policy_no"]]]
            levels.append(r["ncd_level"])
            counts_.append(r["claims"])
        chains.append((levels, counts_))
    return chains


# Prior records a vehicle can bring into the book: up to 4 insured years (enough for the
# 3-year look-back and the 4-year claim-free run), most recent first. 0..8 claims a year cover
# every record: a year with 8 or more claims puts any window containing it at M − N ≥ 5, the
# cap, so more claims in it change no level (a busy ride-hailing car can claim 7 times).
PRIOR_RECORDS = [
    h for n in range(5) for h in itertools.product(range(9), repeat=n)
]  # 7,381 records


@cache
def _level(history: tuple[int, ...]) -> int:
    """The NCD rule (policies.ncd) on continuous years, most recent first."""
    if not history:
        return 0
    claims = np.array([history[::-1]])
    return int(ncd.ncd_levels(claims, np.ones_like(claims, dtype=bool))[0])


@cache
def _records_at(level: int) -> list[tuple[int, ...]]:
    """The prior records that give ``level`` on entry."""
    return [prior for prior in PRIOR_RECORDS if _level(prior) == level]


@cache
def _consistent(levels: tuple[int, ...], claims: tuple[int, ...]) -> bool:
    """Some prior record gives the first level, and then every later level is the NCD rule
    applied to the claims of the policies before it (most recent first) and that record."""
    return any(
        all(_level(claims[:j][::-1] + prior) == levels[j] for j in range(1, len(levels)))
        for prior in _records_at(levels[0])
    )


def test_commercial_ncd_level_follows_each_vehicles_own_claim_history(policies, claims):
    commercial = policies.filter(pl.col("kind") == "commercial")
    counts = _claims_per_policy(claims, pl.col("coverage") != "compulsory")
    chains = _chains(commercial, counts)
    renewals = sum(len(levels) - 1 for levels, _ in chains)
    assert renewals > 20_000
    bad = [
        (levels, c)
        for levels, c in chains
        if len(levels) > 1 and not _consistent(tuple(levels), tuple(c))
    ]
    assert bad == []


def test_renewal_after_a_claim_free_year_never_loses_discount_and_a_claim_always_costs_it(
    policies, claims
):
    """The NCD ladder read one step at a time (claims − insured years, DOMAIN.md): a claim-free
    year never raises the level, and a year with n claims leaves it at n − 3 or more (at most
    3 insured years are subtracted)."""
    commercial = policies.filter(pl.col("kind") == "commercial")
    counts = _claims_per_policy(claims, pl.col("coverage") != "compulsory")
    steps = [
        (levels[j - 1], c[j - 1], levels[j])
        for levels, c in _chains(commercial, counts)
        for j in range(1, len(levels))
    ]
    for before, n, after in steps:
        if n == 0:
            assert after <= before
        else:
            assert after >= min(n - 3, 5)
    assert {n for _, n, _ in steps} >= {0, 1, 2}


def test_new_cars_and_cover_after_a_year_without_commercial_cover_start_at_level_0(
    policies, vehicles
):
    """New car → level 0; a year with only compulsory cover is a gap in commercial cover
    (longer than 3 months), which breaks the look-back → level 0 again."""
    first = policies.filter(pl.col("kind") == "commercial", pl.col("renews_policy_no").is_null())
    new_cars = first.join(
        vehicles.select("vehicle_no", "first_registration"), on="vehicle_no"
    ).filter((pl.col("effective_date") - pl.col("first_registration")).dt.total_days() < 30)
    compulsory_renewals = policies.filter(
        pl.col("kind") == "compulsory", pl.col("renews_policy_no").is_not_null()
    ).select("vehicle_no", "effective_date")
    after_gap = first.join(compulsory_renewals, on=["vehicle_no", "effective_date"])
    assert new_cars.height > 1_000
    assert after_gap.height > 100
    assert (new_cars["ncd_level"] == 0).all()
    assert (after_gap["ncd_level"] == 0).all()


def test_ncd_coefficient_is_the_ladder_step_of_the_level(policies):
    commercial = policies.filter(pl.col("kind") == "commercial")
    ladder = policies_conf.get("NCD_LADDER")
    pairs = commercial.select("ncd_level", "ncd_coefficient").unique()
    for level, coefficient in pairs.iter_rows():
        assert coefficient == ncd.coefficient(level) == Decimal(ladder[level])
    assert set(pairs["ncd_level"]) == set(range(-4, 6))
    compulsory = policies.filter(pl.col("kind") == "compulsory")
    assert compulsory["ncd_level"].null_count() == compulsory.height


def test_pricing_coefficient_stays_inside_the_regulatory_band(policies):
    pc = policies.filter(pl.col("kind") == "commercial")["pricing_coefficient"]
    band = policies_conf.get("AUTONOMOUS_PRICING_BAND")
    for value in (pc.min(), pc.max()):
        rules.check_pricing_coefficient(Decimal(str(value)), band)
    assert pc.null_count() == 0


def test_policy_premium_is_the_sum_of_its_coverage_premiums(book, policies):
    coverages = read_table(book, "coverages").collect()
    totals = coverages.group_by("policy_no").agg(pl.col("premium").sum().alias("total"))
    joined = policies.join(totals, on="policy_no", how="left")
    assert joined["total"].null_count() == 0
    assert (joined["total"] == joined["premium"]).all()


def test_commercial_coverage_premium_is_base_times_ncd_times_pricing_coefficient(
    book, policies, vehicles
):
    commercial = policies.filter(pl.col("kind") == "commercial").join(
        vehicles.select("vehicle_no", "use", "seats", "new_energy"), on="vehicle_no"
    )
    coverages = read_table(book, "coverages").collect().filter(pl.col("code") != "compulsory")
    position = {p: i for i, p in enumerate(commercial["policy_no"])}
    row = np.array([position[p] for p in coverages["policy_no"]])
    col = np.array([COVERAGES.index(c) for c in coverages["code"]])
    n = commercial.height
    take = np.zeros((n, len(COVERAGES)), dtype=bool)
    limit = np.full((n, len(COVERAGES)), np.nan)
    take[row, col] = True
    limit[row, col] = coverages["limit"].cast(pl.Float64).fill_null(np.nan).to_numpy()
    use = np.array([USES.index(u) for u in commercial["use"]])
    base = coverage_base(
        Calibration(),
        take,
        limit,
        use,
        commercial["seats"].to_numpy(),
        commercial["new_energy"].to_numpy(),
    )
    rating = (
        commercial["ncd_coefficient"].cast(pl.Float64) * commercial["pricing_coefficient"]
    ).cast(pl.Float64)
    expected = np.round(base[row, col] * rating.to_numpy()[row], 2)
    actual = coverages["premium"].cast(pl.Float64).to_numpy()
    assert np.abs(actual - expected).max() < 0.006
    assert take[:, COVERAGES.index("third_party")].all()


def test_compulsory_premium_is_base_times_the_floating_rate_its_at_fault_accidents_earn(
    policies, vehicles, book, claims
):
    """A from the one region table; only accidents where the insured was at fault count, a
    fatal one +30 %."""
    group = {c.name: compulsory_rules.region_group(c.province, c.name) for c in CITIES}
    customers = read_table(book, "customers").select("customer_no", "city").collect()
    compulsory = (
        policies.filter(pl.col("kind") == "compulsory")
        .join(vehicles.select("vehicle_no", "use", "seats"), on="vehicle_no")
        .join(customers, on="customer_no")
    )
    base = compulsory_base(compulsory["seats"].to_numpy(), compulsory["use"].to_numpy())
    factor = np.round(compulsory["premium"].cast(pl.Float64).to_numpy() / base, 4)
    compulsory = compulsory.with_columns(pl.Series("factor", factor))
    at_fault = (pl.col("coverage") == "compulsory") & (pl.col("liability_share") > 0)
    counts = _claims_per_policy(claims, at_fault)
    fatal = _claims_per_policy(claims, at_fault & (pl.col("deaths") > 0)).rename(
        {"claims": "fatal"}
    )
    rows = (
        compulsory.join(counts, on="policy_no", how="left")
        .join(fatal, on="policy_no", how="left")
        .with_columns(pl.col("claims").fill_null(0), pl.col("fatal").fill_null(0))
    )
    by_no = {r["policy_no"]: r for r in rows.iter_rows(named=True)}
    checked = 0
    for r in by_no.values():
        region = group[r["city"]]
        allowed = {float(1 + a) for a in compulsory_rules.CLAIM_FREE_DISCOUNTS[region]}
        allowed |= {1.0, 1.1, 1.3}
        assert r["factor"] in allowed
        if r["renews_policy_no"] is None:
            continue
        # claim-free years in the book just before this policy (the record may add more)
        free, prev = 0, by_no[r["renews_policy_no"]]
        last = CompulsoryYear(prev["claims"], prev["fatal"])
        while prev is not None and prev["claims"] == 0:
            free += 1
            prev = by_no.get(prev["renews_policy_no"])
        clean = CompulsoryYear()
        candidates = {
            float(1 + compulsory_rules.floating_rate(region, [last] + [clean] * (years - 1)))
            for years in range(max(free, 1), 4)
        }
        assert r["factor"] in candidates, (r, free, at_fault)
        checked += 1
    assert checked > 20_000


def test_the_generator_uses_the_policies_ncd_rule_itself():
    # One NCD rule: the generator keeps no copy (policies.ncd proves its vectorised form).
    assert datagen_rules.ncd_levels is ncd.ncd_levels
