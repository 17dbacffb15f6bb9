"""Three policy years per vehicle: entry (new business), renewals and lapses, NCD moving with
claims, premiums, coverages. Policy year 2 is the one in force on the reference date, so about a
quarter of it expires within the next 90 days (work for the renewal pipeline).

Rating follows DOMAIN.md (rules.py):

- NCD level = the post-2020 rule over the vehicle's continuous *commercial* history: its record
  before it joined the book (one insured year per year of age, at most PRIOR; none for a new car
  or when no record is found) and then the claims of its own policies in the book. A year with
  compulsory cover only breaks the history (level 0 on return).
- commercial coverage premium = tariff base (``coverage_base``: limit and vehicle) × NCD
  coefficient × autonomous pricing coefficient (inside the regulatory band); the policy premium
  is the sum of its coverages.
- compulsory premium = base (by use and seats) × (1 + A), A from the one region table and the
  previous years' at-fault and fatal compulsory accidents (not-at-fault claims never load);
  the 车船税 collected with it goes in ``vehicle_tax`` (rules.vehicle_taxes).
- The NCD level is ``policies.ncd.ncd_levels`` on the default ladder (−4…+5); the generator
  keeps no NCD rule of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from . import frames
from .claims import YearEvents, prior_claim_counts, simulate_events
from .config import Calibration, GenerateOptions
from .customers import MAKES, NON_OPERATING, OPERATING, RIDE_HAILING, People
from .org import CODES, DISTRICT_UNIT
from .partners import PartyIndex
from .reference import BRANDS, CITIES
from .rules import (
    CITY_GROUP,
    PRICING_COEFFICIENT_BAND,
    compulsory_base,
    compulsory_factor,
    ncd_ladder,
    ncd_levels,
    vehicle_taxes,
)

YEARS = 3
PRIOR = 4  # latent years of history before policy year 0
CHANNELS = (
    "direct", "agent", "four_s_shop", "repair_shop", "used_car_dealer", "telesales", "online",
    "intermediary",
)  # fmt: skip
DIRECT, AGENT, FOUR_S, REPAIR, DEALER, TELESALES, ONLINE, INTERMEDIARY = range(8)
_MIX_USED = (0.06, 0.24, 0.18, 0.08, 0.06, 0.20, 0.08, 0.10)
_MIX_NEW_CAR = (0.03, 0.12, 0.65, 0.0, 0.0, 0.05, 0.05, 0.10)
_MIX_COMPANY = (0.20, 0.35, 0.0, 0.0, 0.0, 0.10, 0.0, 0.35)
COVERAGES = (
    "vehicle_damage", "third_party", "driver_seat", "passenger_seat", "scratch",
    "roadside_rescue", "safety_check", "designated_driver", "inspection_run",
)  # fmt: skip
_COVERAGE_TAKE_UP = (0.0, 1.0, 0.6, 0.5, 0.08, 0.75, 0.2, 0.15, 0.1)
_RIDER_BASE = (0.0, 0.0, 0.0, 0.0, 0.0, 40.0, 30.0, 60.0, 30.0)
_BRAND_OF_MAKE = np.array([BRANDS.index(m.brand) for m in MAKES])
_CITY_CODE = [c.code for c in CITIES]
COMPULSORY_LIMIT = 200_000.0  # 180,000 death/disability + 18,000 medical + 2,000 property


@dataclass
class PolicyYear:
    k: int
    vehicles: np.ndarray  # vehicle rows insured with us this year
    commercial: np.ndarray  # bool per row in ``vehicles``
    effective: np.ndarray
    expiry: np.ndarray
    cancelled: np.ndarray  # day number or -1
    renewed: np.ndarray  # bool: renewed into the next year (False for the last year)
    channel: np.ndarray
    compulsory_no: pl.Series
    commercial_no: pl.Series  # null where no commercial policy
    events: YearEvents | None = None
    unit: np.ndarray | None = None  # issuing unit per row (index into org.CODES)


@dataclass
class Book:
    policies: pl.DataFrame
    coverages: pl.DataFrame
    claims: pl.DataFrame
    years: list[PolicyYear] = field(default_factory=list)
    customer_unit: np.ndarray | None = None  # per customer: unit of the latest policy, or -1


def add_years(days: np.ndarray, years: int | np.ndarray) -> np.ndarray:
    """Same calendar day ``years`` later (29 February → 28 February); ``years`` may be an
    array."""
    d = np.asarray(days, dtype="datetime64[D]")
    month = d.astype("datetime64[M]")
    target = month + (12 * np.asarray(years, dtype=np.int64)).astype("timedelta64[M]")
    length = (
        (target + np.timedelta64(1, "M")).astype("datetime64[D]") - target.astype("datetime64[D]")
    ).astype(np.int64)
    offset = np.minimum((d - month.astype("datetime64[D]")).astype(np.int64), length - 1)
    return target.astype("datetime64[D]").astype(np.int64) + offset


def policy_numbers(
    prefix: str, effective: np.ndarray, city: np.ndarray, serial: np.ndarray
) -> pl.Series:
    year = (
        np.asarray(effective, dtype="datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    )
    return (
        prefix
        + pl.Series(year).cast(pl.String)
        + frames.pick(_CITY_CODE, city)
        + pl.Series(serial).cast(pl.String).str.zfill(10)
    )


def simulate_book(
    options: GenerateOptions, chunk: int, people: People, parties: PartyIndex
) -> Book:
    cal = options.calibration
    rng = np.random.default_rng([options.seed, chunk, 2])
    today = frames.day_number(options.reference_date)
    nv = len(people.owner)
    city = people.city[people.owner]
    company = people.company[people.owner]
    entry = people.entry_year
    fleet = np.bincount(people.owner)[people.owner]

    # persistent choices per vehicle
    take = rng.random((nv, len(COVERAGES))) < np.array(_COVERAGE_TAKE_UP)
    value_factor_age = np.maximum(
        0.4, 1 - 0.06 * np.maximum(0, (today - 365 - people.anniversary) // 365)
    )
    take[:, 0] = rng.random(nv) < cal.vehicle_damage_take_up * np.where(
        value_factor_age < 0.6, 0.7, 1.0
    )
    take[:, 4] &= take[:, 0]
    tp_limit = rng.choice(len(cal.third_party_limits), size=nv, p=cal.third_party_limit_p)
    driver_limit = rng.choice(np.array([10_000, 20_000, 50_000]), size=nv)
    passenger_limit = rng.choice(np.array([10_000, 20_000]), size=nv)
    scratch_limit = rng.choice(np.array([2_000, 5_000, 10_000]), size=nv)
    pricing_vehicle = rng.normal(0, cal.pricing_spread, nv)
    mix = np.where(
        company[:, None],
        np.array(_MIX_COMPANY),
        np.where(people.new_car[:, None], np.array(_MIX_NEW_CAR), np.array(_MIX_USED)),
    )
    first_channel = (rng.random(nv)[:, None] > np.cumsum(mix, axis=1)).sum(axis=1).clip(0, 7)
    partner = _partner_codes(rng, parties, city, people.make)
    agent_username = _staff_for_vehicle(rng, parties, people)
    commercial_at_entry = rng.random(nv) < cal.commercial_take_up

    def limits(rows: np.ndarray, effective: np.ndarray) -> np.ndarray:
        return _coverage_limits(
            cal,
            people,
            rows,
            take[rows],
            tp_limit[rows],
            driver_limit[rows],
            passenger_limit[rows],
            scratch_limit[rows],
            effective,
        )

    # Insured years before the vehicle joined us (the industry platform's record, which sets
    # the entry NCD level and compulsory floating rate): one a year since first registration,
    # at most PRIOR; none for a new car or when no record is found (transfer). Their claims come
    # from the same accident model and the same latent risk as the book's own years.
    all_rows = np.arange(nv)
    entry_effective = add_years(people.anniversary, entry)
    age_at_entry = (entry_effective - people.first_registration) // 365
    no_record = rng.random(nv) < cal.no_prior_record_share
    prior = np.where(people.new_car | no_record, 0, np.clip(age_at_entry, 0, PRIOR))
    entry_limit = limits(all_rows, entry_effective)
    cols = PRIOR + YEARS
    insured = np.zeros((nv, cols), dtype=bool)  # compulsory cover (every insured year)
    commercial_cover = np.zeros((nv, cols), dtype=bool)
    claims_ncd = np.zeros((nv, cols), dtype=np.int64)
    claims_compulsory = np.zeros((nv, cols), dtype=np.int64)  # at-fault accidents
    fatal_compulsory = np.zeros((nv, cols), dtype=np.int64)
    start = entry + PRIOR
    for col in range(cols):
        before = np.flatnonzero((col >= start - prior) & (col < start))
        if not len(before):
            continue
        ncd_claims, compulsory_claims, fatal = prior_claim_counts(
            cal,
            rng,
            people.risk[before],
            commercial_at_entry[before],
            take[before],
            entry_limit[before],
            people.price[before],
            np.random.default_rng([options.seed, chunk, col, 19]),
        )
        insured[before, col] = True
        commercial_cover[before, col] = commercial_at_entry[before]
        claims_ncd[before, col] = ncd_claims
        claims_compulsory[before, col] = compulsory_claims
        fatal_compulsory[before, col] = fatal

    years: list[PolicyYear] = []
    active = entry == 0
    commercial = commercial_at_entry
    channel = first_channel.copy()
    policies, coverages, claims = [], [], []
    for k in range(YEARS):
        col = PRIOR + k
        rows = np.flatnonzero(active)
        effective = add_years(people.anniversary[rows], k)
        expiry = add_years(people.anniversary[rows], k + 1)
        is_commercial = commercial[rows]
        # NCD from the commercial history (a year without commercial cover breaks it);
        # compulsory floating rate from the compulsory history
        hist_insured = insured[rows, :col]
        level = ncd_levels(claims_ncd[rows, :col], commercial_cover[rows, :col])
        factor = compulsory_factor(
            CITY_GROUP[city[rows]],
            claims_compulsory[rows, :col],
            fatal_compulsory[rows, :col],
            hist_insured,
        )
        pc = _pricing_coefficient(cal, people, rows, pricing_vehicle, channel, rng)
        cancel_day = effective + rng.integers(30, 330, len(rows))
        cancelled = (rng.random(len(rows)) < cal.cancellation_rate) & (cancel_day < today)
        cancelled_day = np.where(cancelled, cancel_day, -1)
        exposure_end = np.minimum(np.where(cancelled, cancel_day, expiry), today)
        cov_limit = limits(rows, effective)
        cov_base = coverage_base(
            cal,
            take[rows],
            cov_limit,
            people.use[rows],
            people.seats[rows],
            people.new_energy[rows],
        )
        events = simulate_events(
            cal,
            rng,
            options,
            chunk,
            k,
            rows,
            people,
            effective,
            exposure_end,
            is_commercial,
            take[rows],
            cov_limit,
        )
        insured[rows, col] = True
        commercial_cover[rows, col] = is_commercial
        claims_ncd[rows, col] = events.ncd_claims
        claims_compulsory[rows, col] = events.compulsory_claims
        fatal_compulsory[rows, col] = events.compulsory_fatal
        serial = people.vehicle_index[rows] * 3 + k
        compulsory_no = policy_numbers("JQ", effective, city[rows], serial)
        commercial_no = frames.strings(
            policy_numbers("SY", effective, city[rows], serial), is_commercial
        )
        renew_p = (
            cal.renewal_rate
            + 0.04 * company[rows]
            + 0.03 * (fleet[rows] > 1)
            - 0.08 * (events.ncd_claims > 0)
        )
        renewed = (~cancelled) & (rng.random(len(rows)) < renew_p) & (k < YEARS - 1)
        year = PolicyYear(
            k,
            rows,
            is_commercial,
            effective,
            expiry,
            cancelled_day,
            renewed,
            channel[rows],
            compulsory_no,
            commercial_no,
            events,
        )
        prev = years[-1] if years else None
        base = compulsory_base(
            people.seats[rows],
            np.array(("household", "non_operating", "operating", "ride_hailing"))[people.use[rows]],
        )
        comp_premium = np.round(base * factor, 2)
        tax = vehicle_taxes(
            city[rows],
            people.displacement[rows],
            people.energy[rows],
            people.seats[rows],
            effective,
            people.first_registration[rows],
        )
        ncd = ncd_ladder(level)
        cov_premium = np.round(cov_base * (ncd * np.round(pc, 3))[:, None], 2)
        comm_premium = cov_premium.sum(axis=1)
        policies.append(
            _policy_rows(
                year,
                prev,
                people,
                parties,
                partner,
                agent_username,
                comp_premium,
                comm_premium,
                level,
                ncd,
                pc,
                tax,
            )
        )
        coverages.append(_coverage_rows(year, comp_premium, cov_premium, cov_limit))
        claims.append(events.frame(year, people.vehicle_no))
        years.append(year)
        # next year: renewals plus new business entering
        nxt = np.zeros(nv, dtype=bool)
        nxt[rows[renewed]] = True
        active = nxt | (entry == k + 1)
        keep = rng.random(nv) < 0.97
        commercial = np.where(
            nxt, np.where(commercial, keep, rng.random(nv) < 0.3), commercial_at_entry
        )
        switch = rng.random(nv)
        channel = np.where(
            switch < 0.78,
            channel,
            np.where(switch < 0.90, TELESALES, np.where(switch < 0.95, ONLINE, AGENT)),
        )
        channel = np.where(entry == k + 1, first_channel, channel)
    return Book(
        pl.concat(policies),
        pl.concat(coverages),
        pl.concat(claims),
        years,
        latest_units(years, people.owner, len(people.city)),
    )


def latest_units(years: list[PolicyYear], owner: np.ndarray, customers: int) -> np.ndarray:
    """Each customer's servicing unit: the issuing unit of their latest policy (the last to
    take effect; among one day's, the later vehicle-year). -1 for a customer with none."""
    customer = np.concatenate([owner[y.vehicles] for y in years])
    effective = np.concatenate([y.effective for y in years])
    unit = np.concatenate([y.unit for y in years if y.unit is not None])
    order = np.lexsort((np.arange(len(customer)), effective, customer))
    sorted_customer = customer[order]
    last = order[np.append(sorted_customer[1:] != sorted_customer[:-1], True)]
    out = np.full(customers, -1, dtype=np.int64)
    out[customer[last]] = unit[last]
    return out


def _pricing_coefficient(cal, people: People, rows, vehicle_noise, channel, rng) -> np.ndarray:
    use = people.use[rows]
    pc = cal.pricing_centre + vehicle_noise[rows] + rng.normal(0, 0.03, len(rows))
    pc += np.select(
        [use == RIDE_HAILING, use == OPERATING, use == NON_OPERATING], [0.25, 0.2, 0.05], 0.0
    )
    pc += np.where(people.new_energy[rows], cal.new_energy_pricing_loading, 0.0)
    pc -= np.where(channel[rows] == ONLINE, 0.05, 0.0)
    low, high = PRICING_COEFFICIENT_BAND
    return np.round(np.clip(pc, low, high), 3)


def _coverage_limits(
    cal: Calibration,
    people: People,
    rows,
    take,
    tp_limit,
    driver_limit,
    passenger_limit,
    scratch_limit,
    effective,
) -> np.ndarray:
    """Limit of each commercial coverage (columns in COVERAGES order; NaN where not taken and
    for the service riders, which have none). Vehicle damage insures the actual value."""
    n = len(rows)
    age = np.maximum(
        0, (effective - people.anniversary[rows]) // 365 + np.where(people.new_car[rows], 0, 3)
    )
    value = np.round(people.price[rows] * np.maximum(0.4, 1 - 0.06 * age), -2)
    seats = people.seats[rows]
    limit = np.full((n, len(COVERAGES)), np.nan)
    limit[:, 0] = value
    limit[:, 1] = np.array(cal.third_party_limits)[tp_limit]
    limit[:, 2] = driver_limit
    limit[:, 3] = passenger_limit * (seats - 1)
    limit[:, 4] = scratch_limit
    return np.where(take, limit, np.nan)


def coverage_base(
    cal: Calibration,
    take: np.ndarray,
    limit: np.ndarray,
    use: np.ndarray,
    seats: np.ndarray,
    new_energy: np.ndarray,
) -> np.ndarray:
    """Tariff base premium of each commercial coverage (columns in COVERAGES order, 0 where not
    taken) from its limit and the vehicle (``use`` as an index into customers.USES). The
    coverage premium is base × NCD coefficient × autonomous pricing coefficient (the
    traffic-violation coefficient is 1.0 in the generated book)."""
    use_factor = np.select(
        [use == RIDE_HAILING, use == OPERATING, use == NON_OPERATING], [1.5, 1.6, 1.1], 1.0
    )
    nev_factor = np.where(new_energy, cal.new_energy_rate_factor, 1.0)
    value = np.nan_to_num(limit[:, 0])
    tp = np.searchsorted(np.array(cal.third_party_limits), np.nan_to_num(limit[:, 1]))
    tp = np.clip(tp, 0, len(cal.third_party_limits) - 1)
    scratch = np.nan_to_num(limit[:, 4])
    base = np.zeros(limit.shape)
    base[:, 0] = (cal.own_damage_fixed + cal.own_damage_rate * value) * nev_factor * use_factor
    base[:, 1] = np.array(cal.third_party_base)[tp] * use_factor * np.where(seats >= 6, 1.1, 1.0)
    base[:, 2] = np.nan_to_num(limit[:, 2]) * 0.0042
    base[:, 3] = np.nan_to_num(limit[:, 3]) * 0.0027
    base[:, 4] = np.select([scratch == 2_000, scratch == 5_000], [400.0, 570.0], 850.0)
    base[:, 5:] = np.array(_RIDER_BASE[5:])
    return np.where(take, base, 0.0)


def _partner_codes(rng, parties: PartyIndex, city, make) -> dict[int, np.ndarray]:
    return {
        FOUR_S: city * len(BRANDS) + _BRAND_OF_MAKE[make],
        REPAIR: parties.repair.pick(rng, city),
        DEALER: parties.dealer.pick(rng, city),
        INTERMEDIARY: parties.intermediary.pick(rng, city),
    }


def _staff_for_vehicle(rng, parties: PartyIndex, people: People) -> dict[int, pl.Series]:
    nv = len(people.owner)
    city = people.city[people.owner]
    owner = people.owner_username.gather(people.owner)
    is_agent = owner.str.starts_with("agent")
    agent = frames.pick(
        parties.agents, parties.local_agents(rng.integers(0, len(parties.agents), nv), city)
    )
    seat = frames.pick(
        parties.seats, parties.local_seats(rng.integers(0, len(parties.seats), nv), city)
    )
    return {
        AGENT: pl.select(pl.when(is_agent).then(owner).otherwise(agent)).to_series(),
        TELESALES: pl.select(pl.when(~is_agent).then(owner).otherwise(seat)).to_series(),
    }


def _policy_rows(
    year: PolicyYear,
    prev: PolicyYear | None,
    people: People,
    parties: PartyIndex,
    partner,
    agent_username,
    comp_premium,
    comm_premium,
    level,
    ncd,
    pc,
    tax: tuple[np.ndarray, np.ndarray],
) -> pl.DataFrame:
    rows, n = year.vehicles, len(year.vehicles)
    channel = year.channel
    partner_code = pl.repeat(None, n, dtype=pl.String, eager=True)
    for ch, kind in (
        (FOUR_S, parties.four_s),
        (REPAIR, parties.repair),
        (DEALER, parties.dealer),
        (INTERMEDIARY, parties.intermediary),
    ):
        codes = frames.pick(kind.codes, partner[ch][rows])
        partner_code = pl.select(
            pl.when(pl.Series(channel == ch)).then(codes).otherwise(partner_code)
        ).to_series()
    agent = pl.repeat(None, n, dtype=pl.String, eager=True)
    for ch in (AGENT, TELESALES):
        agent = pl.select(
            pl.when(pl.Series(channel == ch)).then(agent_username[ch].gather(rows)).otherwise(agent)
        ).to_series()
    # Issuing unit (出单机构): motor business is written where the vehicle is (属地). A seat's
    # or agent's policy is issued by their 支公司 when they are of the customer's city; every
    # other policy (direct, online, a partner's — always a partner of the customer's city —
    # and, in a small book, one sold from another city) by the 支公司 of the customer's district.
    owner = people.owner[rows]
    seller_unit = agent.replace_strict(parties.staff_unit, default=-1, return_dtype=pl.Int64)
    seller_city = agent.replace_strict(parties.staff_city, default=-1, return_dtype=pl.Int64)
    local_seller = (seller_city.fill_null(-1).to_numpy() == people.city[owner]) & (
        seller_unit.fill_null(-1).to_numpy() >= 0
    )
    year.unit = np.where(
        local_seller, seller_unit.fill_null(-1).to_numpy(), DISTRICT_UNIT[people.district[owner]]
    )
    unit = frames.pick(CODES, year.unit)
    renews_compulsory = pl.repeat(None, n, dtype=pl.String, eager=True)
    renews_commercial = renews_compulsory
    if prev is not None:
        position = np.full(len(people.owner), -1)
        position[prev.vehicles] = np.arange(len(prev.vehicles))
        where = position[rows]
        was = where >= 0
        renews_compulsory = frames.strings(prev.compulsory_no.gather(np.maximum(where, 0)), was)
        renews_commercial = frames.strings(prev.commercial_no.gather(np.maximum(where, 0)), was)
    common = {
        "customer_no": people.customer_no.gather(people.owner[rows]),
        "vehicle_no": people.vehicle_no.gather(rows),
        "effective_date": frames.dates(year.effective),
        "expiry_date": frames.dates(year.expiry),
        "currency": pl.repeat("CNY", n, dtype=pl.String, eager=True),
        "channel": frames.pick(CHANNELS, channel),
        "partner_code": partner_code,
        "agent_username": agent,
        "cancelled_on": frames.dates(year.cancelled, year.cancelled >= 0),
        "unit_code": unit,
    }
    compulsory = frames.table(
        "policies",
        common
        | {
            "policy_no": year.compulsory_no,
            "kind": pl.repeat("compulsory", n, dtype=pl.String, eager=True),
            "premium": frames.money(comp_premium),
            "renews_policy_no": renews_compulsory,
            "vehicle_tax": frames.money(tax[0], tax[1]),
        },
    )
    commercial = frames.table(
        "policies",
        common
        | {
            "policy_no": year.commercial_no,
            "kind": pl.repeat("commercial", n, dtype=pl.String, eager=True),
            "premium": frames.money(comm_premium),
            "ncd_level": pl.Series(level, dtype=pl.Int8),
            "ncd_coefficient": frames.coefficient(ncd),
            "pricing_coefficient": frames.coefficient(pc),
            "renews_policy_no": renews_commercial,
        },
    ).filter(pl.Series(year.commercial))
    return pl.concat([compulsory, commercial])


def _coverage_rows(year: PolicyYear, comp_premium, cov_premium, cov_limit) -> pl.DataFrame:
    n = len(year.vehicles)
    compulsory = frames.table(
        "coverages",
        {
            "policy_no": year.compulsory_no,
            "code": pl.repeat("compulsory", n, dtype=pl.String, eager=True),
            "limit": frames.money(np.full(n, COMPULSORY_LIMIT)),
            "premium": frames.money(comp_premium),
        },
    )
    present = (cov_limit == cov_limit) | (cov_premium > 0)
    present &= year.commercial[:, None]
    row, code = np.nonzero(present)
    limit = cov_limit[row, code]
    commercial = frames.table(
        "coverages",
        {
            "policy_no": year.commercial_no.gather(row),
            "code": frames.pick(COVERAGES, code),
            "limit": frames.money(np.nan_to_num(limit), valid=limit == limit),
            "premium": frames.money(cov_premium[row, code]),
        },
    )
    return pl.concat([compulsory, commercial])
