"""Accidents in one policy year and the claim rows they produce (one row per coverage hit).

An accident involves a third party (a compulsory claim; the commercial third-party coverage
pays what exceeds the compulsory sub-limits) and/or damages the insured car (own damage,
claimed on the vehicle-damage coverage). Accidents with neither never reach the insurer.
Severities are lognormal and capped at the coverage limit. 99% of accidents are reported within
a week. Claims reported before the reference date are kept; the rest are not yet known to the
insurer. Statuses follow the settlement clock: closed/paid for old claims, open stages for
recent ones. Withdrawn and rejected claims pay nothing and do not count for NCD or the
compulsory floating rate.

Liability and deaths (the compulsory floating rate reads them): an accident with a third party
puts the insured fully (1.0), mainly (0.7), equally (0.5), partly (0.3) or not (0) at fault
with ``LIABILITY_P``; a single-vehicle accident is the insured's own (1.0). Not at fault, the
insured's 交强险 pays only the no-fault limits (property ¥100, injury ¥19,800) and the
commercial third-party cover is not called on. ``DEATH_GIVEN_INJURY`` of injury accidents kill
someone (a tenth of those two). Both are drawn from their own seeded stream, so the rest of the
book is drawn as before.

Referral (送修): once assessed, an own-damage claim is repaired at a network shop in the
customer's city with ``REFERRED_SHARE`` probability: at the 4S shop of the car's brand most
often for young cars (``FOUR_S_SHARE_BY_AGE``), otherwise at an independent repair shop. The
shop's partner code goes in ``repair_shop_code`` (drawn from its own seeded stream, so the
rest of the book is unchanged).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from . import frames
from .config import Calibration, GenerateOptions
from .org import CODES
from .partners import _per_city
from .reference import BRANDS, MAKES

if TYPE_CHECKING:
    from .book import PolicyYear
    from .customers import People

OPEN_STAGES = (
    "reported",
    "dispatched",
    "surveyed",
    "registered",
    "assessed",
    "adjusted",
    "approved",
)
# Statuses are carried as codes into STATUSES (a numpy string array converts slowly).
STATUSES = (*OPEN_STAGES, "paid", "closed", "withdrawn", "rejected")
PAID, CLOSED, WITHDRAWN, REJECTED = (STATUSES.index(s) for s in STATUSES[len(OPEN_STAGES) :])
ROW_KINDS = ("compulsory", "vehicle_damage", "third_party", "driver_seat", "passenger_seat")
COMPULSORY_PROPERTY = 2_000.0  # compulsory sub-limits when the insured is at fault
COMPULSORY_INJURY = 198_000.0  # death/disability 180,000 + medical 18,000
NO_FAULT_PROPERTY = 100.0  # the no-fault sub-limits
NO_FAULT_INJURY = 19_800.0  # 18,000 + 1,800
LIABILITY_SHARES = (1.0, 0.7, 0.5, 0.3, 0.0)
LIABILITY_P = (0.45, 0.15, 0.10, 0.10, 0.20)
DEATH_GIVEN_INJURY = 0.02
MIN_CLAIM = 50.0
HOUR_US = 3600 * 1_000_000
MINUTE_US = 60 * 1_000_000
# 送修: share of assessed own-damage claims repaired in the network, and the 4S share by the
# car's age in years (upper bound, share); the rest go to independent repair shops.
REFERRED_SHARE = 0.65
FOUR_S_SHARE_BY_AGE = ((3, 0.75), (6, 0.45), (None, 0.2))
ASSESSED_STAGES = ("assessed", "adjusted", "approved", "paid", "closed")
# Partner codes as datagen/partners.build_partners makes them: one 4S shop per city and brand
# ("FS" city brand), repair shops "RS00001"… numbered city by city, per_city(customers, 4000, 2).
REPAIR_PER, REPAIR_MIN = 4_000, 2
_BRAND_OF_MAKE = np.array([BRANDS.index(m.brand) for m in MAKES])


@dataclass
class YearEvents:
    ncd_claims: np.ndarray  # per insured vehicle row: reported, not void, with a commercial row
    compulsory_claims: np.ndarray  # per row: reported, not void, compulsory, insured at fault
    compulsory_fatal: np.ndarray  # per row: of those, accidents where someone died
    row: np.ndarray  # per accident: index into the year's vehicle rows
    accident_us: np.ndarray
    reported_us: np.ndarray
    closed_us: np.ndarray  # -1 while open
    status: np.ndarray  # per accident: code into STATUSES
    injury: np.ndarray
    hits: np.ndarray  # (accidents, len(ROW_KINDS)) bool
    amount: np.ndarray  # (accidents, len(ROW_KINDS)) yuan
    paid_us: np.ndarray
    liability: np.ndarray  # per accident: the insured's share of the fault
    deaths: np.ndarray  # per accident
    chunk: int
    k: int
    shop_code: pl.Series  # per accident: the referred shop's partner code, or null

    def claim_numbers(self, accident: np.ndarray, kind: np.ndarray) -> pl.Series:
        year = (self.accident_us[accident] // frames.DAY_US).astype("datetime64[D]").astype(
            "datetime64[Y]"
        ).astype(np.int64) + 1970
        serial = accident * len(ROW_KINDS) + kind
        return (
            "CL"
            + pl.Series(year).cast(pl.String)
            + f"{self.chunk:05d}{self.k}"
            + pl.Series(serial).cast(pl.String).str.zfill(8)
        )

    def frame(self, year: PolicyYear, vehicle_no: pl.Series) -> pl.DataFrame:
        assert year.unit is not None, "the policies of the year are written first"
        accident, kind = np.nonzero(self.hits)
        own_damage = pl.Series(kind == ROW_KINDS.index("vehicle_damage"))
        vehicle_row = self.row[accident]
        n = len(accident)
        policy_no = pl.select(
            pl.when(pl.Series(kind == 0))
            .then(year.compulsory_no.gather(vehicle_row))
            .otherwise(year.commercial_no.gather(vehicle_row))
        ).to_series()
        status = self.status[accident]
        amount = self.amount[accident, kind]
        settled = (status == PAID) | (status == CLOSED)
        void = status >= WITHDRAWN
        noise = np.exp(np.random.default_rng([self.chunk, self.k, 7]).normal(0, 0.3, n))
        reserved = np.where(settled | void, 0.0, np.round(amount * noise, -1))
        paid = np.where(settled, amount, 0.0)
        closed = self.closed_us[accident]
        paid_at = self.paid_us[accident]
        return frames.table(
            "claims",
            {
                "claim_no": self.claim_numbers(accident, kind),
                "policy_no": policy_no,
                "vehicle_no": vehicle_no.gather(year.vehicles[vehicle_row]),
                "coverage": frames.pick(ROW_KINDS, kind),
                "accident_at": frames.timestamps(self.accident_us[accident]),
                "reported_at": frames.timestamps(self.reported_us[accident]),
                "amount_reserved": frames.money(reserved),
                "amount_paid": frames.money(paid),
                "currency": pl.repeat("CNY", n, dtype=pl.String, eager=True),
                "status": frames.pick(STATUSES, status),
                "injury": pl.Series(self.injury[accident]),
                "paid_at": frames.timestamps(paid_at, settled),
                "closed_at": frames.timestamps(closed, closed >= 0),
                "liability_share": frames.decimal(
                    np.rint(self.liability[accident] * 1000).astype(np.int64), 4, 3
                ),
                "deaths": pl.Series(self.deaths[accident], dtype=pl.Int16),
                # a claim belongs to its policy's unit
                "unit_code": frames.pick(CODES, year.unit[vehicle_row]),
            },
        ).with_columns(
            # Not yet a canonical column: ingest ignores it until schema.py lists it.
            pl.when(own_damage)
            .then(self.shop_code.gather(accident))
            .otherwise(None)
            .alias("repair_shop_code")
        )


def _lognormal(rng: np.random.Generator, params: tuple[float, float], n: int) -> np.ndarray:
    return rng.lognormal(params[0], params[1], n)


@dataclass
class Accidents:
    """What each accident costs which coverage (columns in ``ROW_KINDS`` order)."""

    reported: np.ndarray  # bool: a third party is involved or own damage is claimed
    void: np.ndarray  # bool: withdrawn or rejected (pays nothing, does not count for NCD)
    injury: np.ndarray
    hits: np.ndarray  # (accidents, len(ROW_KINDS)) bool
    amount: np.ndarray  # (accidents, len(ROW_KINDS)) yuan, 0 where void
    liability: np.ndarray  # the insured's share of the fault
    deaths: np.ndarray

    def counts(self, row: np.ndarray, n_rows: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per vehicle row: claims that count for the commercial NCD (reported, not void, a
        commercial row), at-fault compulsory accidents and the fatal ones among them."""
        return _counts(
            self.reported & ~self.void, self.hits, self.liability, self.deaths, row, n_rows
        )


def _counts(valid, hits, liability, deaths, row, n_rows):
    ncd = np.bincount(row[valid & hits[:, 1:].any(axis=1)], minlength=n_rows)
    at_fault = valid & hits[:, 0] & (liability > 0)
    compulsory = np.bincount(row[at_fault], minlength=n_rows)
    fatal = np.bincount(row[at_fault & (deaths > 0)], minlength=n_rows)
    return ncd, compulsory, fatal


def draw_accidents(
    cal: Calibration,
    rng: np.random.Generator,
    row: np.ndarray,
    commercial: np.ndarray,
    take: np.ndarray,
    limit: np.ndarray,
    price: np.ndarray,
    fault_rng: np.random.Generator,
) -> Accidents:
    """One draw per accident; ``row`` indexes the per-vehicle arrays ``commercial``, ``take``
    and ``limit`` (commercial coverages in book.COVERAGES order) and ``price``.

    Third-party losses are layered: the compulsory policy pays property up to 2,000 and injury
    up to 198,000 (death/disability 180,000 + medical 18,000); the commercial third-party
    coverage pays what exceeds them, up to its limit (not at fault: the no-fault sub-limits
    and no commercial third-party claim). Own damage is claimed on the vehicle-damage
    coverage; an accident with neither is settled privately and never reaches the insurer."""
    n = len(row)
    comm = commercial[row]
    third_party = rng.random(n) < cal.third_party_involved
    injury = third_party & (rng.random(n) < cal.injury_share)
    own = comm & take[row, 0] & (rng.random(n) < cal.own_damage_given_event)
    property_ = _lognormal(rng, cal.third_party_property_severity, n)
    personal = np.where(injury, _lognormal(rng, cal.third_party_injury_severity, n), 0.0)
    excess = np.maximum(property_ - COMPULSORY_PROPERTY, 0.0) + np.maximum(
        personal - COMPULSORY_INJURY, 0.0
    )
    liability = np.where(
        third_party, np.array(LIABILITY_SHARES)[fault_rng.choice(5, size=n, p=LIABILITY_P)], 1.0
    )
    deaths = np.where(
        injury & (fault_rng.random(n) < DEATH_GIVEN_INJURY),
        1 + (fault_rng.random(n) < 0.1),
        0,
    )
    no_fault = liability == 0
    tp_commercial = comm & third_party & (excess >= MIN_CLAIM) & ~no_fault
    driver = comm & injury & take[row, 2] & (rng.random(n) < 0.4)
    passenger = comm & injury & take[row, 3] & (rng.random(n) < 0.2)
    hits = np.stack([third_party, own, tp_commercial, driver, passenger], axis=1)
    amount = np.zeros((n, len(ROW_KINDS)))
    amount[:, 0] = np.where(
        no_fault,
        np.minimum(property_, NO_FAULT_PROPERTY) + np.minimum(personal, NO_FAULT_INJURY),
        np.minimum(property_, COMPULSORY_PROPERTY) + np.minimum(personal, COMPULSORY_INJURY),
    )
    amount[:, 1] = np.minimum(
        _lognormal(rng, cal.own_damage_severity, n) * np.sqrt(price[row] / 150_000),
        np.nan_to_num(limit[row, 0]),
    )
    amount[:, 2] = np.minimum(excess, np.nan_to_num(limit[row, 1]))
    amount[:, 3] = np.minimum(_lognormal(rng, cal.seat_severity, n), np.nan_to_num(limit[row, 2]))
    amount[:, 4] = np.minimum(_lognormal(rng, cal.seat_severity, n), np.nan_to_num(limit[row, 3]))
    amount = np.maximum(np.round(amount, 2), MIN_CLAIM) * hits
    void = rng.random(n) < cal.void_share
    amount[void] = 0.0
    return Accidents(third_party | own, void, injury, hits, amount, liability, deaths)


def prior_claim_counts(
    cal: Calibration,
    rng: np.random.Generator,
    risk: np.ndarray,
    commercial: np.ndarray,
    take: np.ndarray,
    limit: np.ndarray,
    price: np.ndarray,
    fault_rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """NCD claims, at-fault and fatal compulsory accidents of one whole insured year before
    the vehicle joined the book, from the same accident model as the book's own years."""
    n = len(risk)
    row = np.repeat(np.arange(n), rng.poisson(cal.event_frequency * risk))
    drawn = draw_accidents(cal, rng, row, commercial, take, limit, price, fault_rng)
    return drawn.counts(row, n)


def simulate_events(
    cal: Calibration,
    rng: np.random.Generator,
    options: GenerateOptions,
    chunk: int,
    k: int,
    rows: np.ndarray,
    people: People,
    effective: np.ndarray,
    exposure_end: np.ndarray,
    commercial: np.ndarray,
    take: np.ndarray,
    limit: np.ndarray,
) -> YearEvents:
    """``take``/``limit``: per insured row, the commercial coverages (columns in book.COVERAGES
    order: vehicle_damage, third_party, driver_seat, passenger_seat, …) and their limits."""
    n_rows = len(rows)
    now_us = frames.day_number(options.reference_date) * frames.DAY_US
    exposure = np.maximum(exposure_end - effective, 0)
    counts = rng.poisson(cal.event_frequency * people.risk[rows] * exposure / 365.0)
    row = np.repeat(np.arange(n_rows), counts)
    fault_rng = np.random.default_rng([options.seed, chunk, k, 17])
    drawn = draw_accidents(cal, rng, row, commercial, take, limit, people.price[rows], fault_rng)
    n = len(row)
    day = effective[row] + (rng.random(n) * exposure[row]).astype(np.int64)
    minute = np.clip(rng.normal(14.5 * 60, 4 * 60, n), 0, 1439).astype(np.int64)
    accident = day * frames.DAY_US + minute * MINUTE_US + rng.integers(0, 60, n) * 1_000_000
    u = rng.random(n)
    delay = np.where(
        u < 0.78,
        rng.exponential(1.5 * HOUR_US, n),
        np.where(
            u < 0.99,
            rng.uniform(2 * HOUR_US, 6.9 * 24 * HOUR_US, n),
            rng.uniform(7, 60, n) * 24 * HOUR_US,
        ),
    ).astype(np.int64)
    reported = accident + MINUTE_US * 5 + delay
    known = drawn.reported & (reported < now_us)
    row, accident, reported = row[known], accident[known], reported[known]
    injury, hits, amount = drawn.injury[known], drawn.hits[known], drawn.amount[known]
    liability, deaths = drawn.liability[known], drawn.deaths[known]
    void = drawn.void[known]
    n = len(row)
    settle = rng.lognormal(np.log(12), 0.8, n) + np.where(
        injury, rng.lognormal(np.log(60), 0.5, n), 0
    )
    paid_us = reported + (settle * 24 * HOUR_US).astype(np.int64)
    closed_us = paid_us + rng.uniform(0.5, 5, n).astype(np.int64) * 24 * HOUR_US
    void_close = reported + np.minimum(
        rng.uniform(1, 20, n) * 24 * HOUR_US, (now_us - reported) * 0.9
    ).astype(np.int64)
    progress = (now_us - reported) / np.maximum(paid_us - reported, 1)
    stage = np.clip((progress * len(OPEN_STAGES)).astype(np.int64), 0, len(OPEN_STAGES) - 1)
    status = np.where(
        void,
        np.where(rng.random(n) < 0.6, WITHDRAWN, REJECTED),
        np.where(closed_us <= now_us, CLOSED, np.where(paid_us <= now_us, PAID, stage)),
    )
    closed = np.where(void, void_close, np.where(closed_us <= now_us, closed_us, -1))
    vehicle = rows[row]
    shop_code = referrals(
        np.random.default_rng([options.seed, chunk, k, 13]),
        options.customers,
        people.city[people.owner[vehicle]],
        _BRAND_OF_MAKE[people.make[vehicle]],
        (accident // frames.DAY_US - people.first_registration[vehicle]) / 365.0,
        np.isin(status, [STATUSES.index(s) for s in ASSESSED_STAGES]),
    )
    ncd, compulsory, fatal = _counts(~void, hits, liability, deaths, row, n_rows)
    return YearEvents(
        ncd_claims=ncd,
        compulsory_claims=compulsory,
        compulsory_fatal=fatal,
        row=row,
        accident_us=accident,
        reported_us=reported,
        closed_us=closed,
        status=status,
        injury=injury,
        hits=hits,
        amount=amount,
        paid_us=paid_us,
        chunk=chunk,
        k=k,
        shop_code=shop_code,
        liability=liability,
        deaths=deaths,
    )


def referrals(
    rng: np.random.Generator,
    customers: int,
    city: np.ndarray,
    brand: np.ndarray,
    car_age_years: np.ndarray,
    assessed: np.ndarray,
) -> pl.Series:
    """The network shop each accident's car is repaired at (送修), or null."""
    n = len(city)
    referred = assessed & (rng.random(n) < REFERRED_SHARE)
    four_s_share = np.select(
        [car_age_years <= upper for upper, _ in FOUR_S_SHARE_BY_AGE[:-1]],
        [share for _, share in FOUR_S_SHARE_BY_AGE[:-1]],
        FOUR_S_SHARE_BY_AGE[-1][1],
    )
    four_s = rng.random(n) < four_s_share
    counts = _per_city(customers, REPAIR_PER, REPAIR_MIN)
    offsets = np.concatenate([[0], np.cumsum(counts)])
    repair = offsets[city] + (rng.random(n) * counts[city]).astype(np.int64)
    # Codes are built for the referred rows only (a third of the claims).
    at = np.flatnonzero(referred)
    four_s_code = "FS" + pl.Series(city[at] * 100 + brand[at]).cast(pl.String).str.zfill(4)
    repair_code = "RS" + pl.Series(repair[at] + 1).cast(pl.String).str.zfill(5)
    codes = pl.select(
        pl.when(pl.Series(four_s[at])).then(four_s_code).otherwise(repair_code)
    ).to_series()
    return pl.repeat(None, n, dtype=pl.String, eager=True).scatter(at, codes)
