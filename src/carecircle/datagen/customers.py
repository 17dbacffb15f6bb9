"""Customers and their vehicles for one chunk of the book.

A chunk's random streams are ``default_rng([seed, chunk, stream])``: stream 0 is the cheap
*plan* (who is a company, how many vehicles, which makes) that the writer runs for every chunk
first, so global vehicle numbers (and hence unique VINs and plates) are known before chunks are
generated in parallel; stream 1 is everything else.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from . import frames
from .config import GenerateOptions
from .identifiers import id_numbers, mobiles, plates, usccs, vins, wmi_matrix
from .names import company_names, person_names
from .partners import PartyIndex
from .reference import (
    BEV,
    CITIES,
    DIESEL,
    ENERGIES,
    ESTATES,
    MAKES,
    PETROL,
    PHEV,
    PHONE_PREFIXES,
    ROADS,
)

USES = ("household", "non_operating", "operating", "ride_hailing")
HOUSEHOLD, NON_OPERATING, OPERATING, RIDE_HAILING = range(4)
_DISTRICTS = [(c, name, code) for c, city in enumerate(CITIES) for name, code in city.districts]
_DISTRICT_CITY = np.array([c for c, _, _ in _DISTRICTS])
_DISTRICT_NAME = [name for _, name, _ in _DISTRICTS]
_DISTRICT_CODE = np.array([int(code) for _, _, code in _DISTRICTS])
_CITY_FIRST_DISTRICT = np.searchsorted(_DISTRICT_CITY, np.arange(len(CITIES)))
_CITY_DISTRICTS = np.bincount(_DISTRICT_CITY, minlength=len(CITIES))
_CITY_P = np.array([c.weight for c in CITIES]) / sum(c.weight for c in CITIES)
_PLACE = [c.name if c.province == c.name else c.province + c.name for c in CITIES]
_PERSON_MAKE_P = np.array([m.person_weight for m in MAKES]) / sum(m.person_weight for m in MAKES)
_COMPANY_MAKE_P = np.array([m.company_weight for m in MAKES]) / sum(m.company_weight for m in MAKES)
MAKE_NEV = np.array([m.new_energy for m in MAKES])
MAKE_SEATS = np.array([m.seats for m in MAKES])
MAKE_PRICE = np.array([m.price for m in MAKES])


@dataclass
class Plan:
    company: np.ndarray
    vehicles: np.ndarray  # per customer
    make: np.ndarray  # per vehicle
    owner: np.ndarray  # per vehicle: customer row in the chunk


def plan_chunk(options: GenerateOptions, chunk: int) -> Plan:
    cal = options.calibration
    start, stop = options.chunk_bounds(chunk)
    n = stop - start
    rng = np.random.default_rng([options.seed, chunk, 0])
    company = rng.random(n) < cal.company_share
    per_person = rng.choice(len(cal.vehicles_per_person), size=n, p=cal.vehicles_per_person) + 1
    per_company = np.minimum(
        1 + rng.geometric(cal.company_extra_vehicles_p, size=n), cal.company_max_vehicles
    )
    vehicles = np.where(company, per_company, per_person)
    owner = np.repeat(np.arange(n), vehicles)
    person_make = rng.choice(len(MAKES), size=len(owner), p=_PERSON_MAKE_P)
    company_make = rng.choice(len(MAKES), size=len(owner), p=_COMPANY_MAKE_P)
    make = np.where(company[owner], company_make, person_make)
    return Plan(company, vehicles, make, owner)


@dataclass
class People:
    """Per-vehicle arrays the policy simulation needs (customer arrays indexed by ``owner``)."""

    customers: pl.DataFrame
    vehicles: pl.DataFrame
    customer_no: pl.Series
    vehicle_no: pl.Series
    owner: np.ndarray
    city: np.ndarray  # per customer
    district: np.ndarray  # per customer: index into the districts of CITIES (org.TREE)
    company: np.ndarray  # per customer
    owner_username: pl.Series  # per customer
    make: np.ndarray
    new_energy: np.ndarray
    seats: np.ndarray
    displacement: np.ndarray  # litres, NaN for battery-electric
    energy: np.ndarray  # code into reference.ENERGIES (parties.choices.Energy values)
    use: np.ndarray
    price: np.ndarray
    entry_year: np.ndarray
    new_car: np.ndarray
    anniversary: np.ndarray  # day number of the policy-year-0 effective date
    first_registration: np.ndarray  # day number
    risk: np.ndarray
    vehicle_index: np.ndarray  # global vehicle numbers


def build_people(
    options: GenerateOptions,
    chunk: int,
    plan: Plan,
    vehicle_offset: int,
    nev_offset: int,
    parties: PartyIndex,
) -> People:
    cal = options.calibration
    rng = np.random.default_rng([options.seed, chunk, 1])
    start, stop = options.chunk_bounds(chunk)
    n = stop - start
    today = frames.day_number(options.reference_date)
    g = np.arange(start, stop)
    company = plan.company
    city = rng.choice(len(CITIES), size=n, p=_CITY_P)
    district = _CITY_FIRST_DISTRICT[city] + (rng.random(n) * _CITY_DISTRICTS[city]).astype(int)
    male = rng.random(n) < 0.64
    age_years = adult_ages(rng, n)
    birth = today - (age_years * 365.25).astype(np.int64)
    birth_ymd = _ymd(birth)
    id_numbers_ = _unique_id_numbers(rng, _DISTRICT_CODE[district], birth_ymd, male, chunk)
    city_short = frames.pick([c.name.removesuffix("市") for c in CITIES], city)
    name = pl.select(
        pl.when(pl.Series(company))
        .then(company_names(rng, city_short))
        .otherwise(person_names(rng, male))
    ).to_series()
    road = frames.pick(ROADS, rng.integers(0, len(ROADS), n))
    estate = frames.pick(ESTATES, rng.integers(0, len(ESTATES), n))
    number = pl.Series(rng.integers(1, 300, n)).cast(pl.String)
    flat = (
        pl.Series(rng.integers(1, 30, n)).cast(pl.String)
        + "栋"
        + pl.Series(rng.integers(1, 33, n) * 100 + rng.integers(1, 5, n)).cast(pl.String)
        + "室"
    )
    person = ~company
    street = frames.pick(_DISTRICT_NAME, district) + road + number + "号"
    address = frames.pick(_PLACE, city) + street
    address = pl.select(
        pl.when(pl.Series(person)).then(address + estate + flat).otherwise(address)
    ).to_series()
    owner_is_agent = rng.random(n) < 0.6
    # the same draws as ever, moved to an agent or seat of the customer's own city (org.py)
    agent = parties.local_agents(rng.integers(0, len(parties.agents), n), city)
    seat = parties.local_seats(rng.integers(0, len(parties.seats), n), city)
    owner_username = pl.select(
        pl.when(pl.Series(owner_is_agent))
        .then(frames.pick(parties.agents, agent))
        .otherwise(frames.pick(parties.seats, seat))
    ).to_series()
    dnc = rng.random(n) < 0.03
    customer_no = frames.zfill("C", g, 10)

    # vehicles
    owner, make = plan.owner, plan.make
    nv = len(owner)
    vehicle_index = vehicle_offset + np.arange(nv)
    nev = MAKE_NEV[make]
    seats = MAKE_SEATS[make]
    v_company = company[owner]
    use = np.full(nv, HOUSEHOLD)
    use[v_company] = NON_OPERATING
    u = rng.random(nv)
    use[~v_company & (seats >= 7) & (u < 0.15)] = OPERATING
    use[~v_company & (seats < 7) & (u < 0.03)] = RIDE_HAILING
    price = np.round(MAKE_PRICE[make] * rng.lognormal(0, 0.15, nv), -2)
    entry_customer = rng.choice(3, size=n, p=cal.entry_year)
    later = (rng.random(nv) < 0.2) & (np.r_[True, owner[1:] != owner[:-1]] == 0)
    entry_year = np.minimum(entry_customer[owner] + later, 2)
    anniversary = today - 2 * 365 - rng.integers(0, 365, nv)  # so year 2 starts in the last year
    new_car_share = np.where(entry_year == 0, cal.new_car_share, cal.new_business_new_car_share)
    new_car = rng.random(nv) < new_car_share * np.where(nev, 1.6, 1.0)
    entry_day = anniversary + entry_year * 365
    age_days = np.where(new_car, rng.integers(0, 25, nv), rng.integers(365, 12 * 365, nv))
    first_registration = entry_day - age_days
    model_year = _ymd(first_registration) // 10_000
    nev_rank = np.cumsum(nev) - 1 + nev_offset
    large = nev & v_company & (rng.random(nv) < 0.1)
    plate_province = frames.pick([c.plate_char for c in CITIES], city[owner])
    letters = np.frombuffer("".join(c.plate_letter for c in CITIES).encode(), np.uint8)
    risk = rng.gamma(cal.risk_shape, 1 / cal.risk_shape, nv)
    risk *= np.select(
        [use == RIDE_HAILING, use == OPERATING, use == NON_OPERATING], [2.0, 1.6, 1.1], 1.0
    )
    risk *= np.where(nev, 1.25, 1.0) * np.where(age_years[owner] < 27, 1.4, 1.0)
    vehicle_no = frames.zfill("V", vehicle_index, 10)
    displacement, energy = engines(np.random.default_rng([options.seed, chunk, 21]), make)
    vehicles = frames.table(
        "vehicles",
        {
            "vehicle_no": vehicle_no,
            "customer_no": customer_no.gather(owner),
            "plate": plates(
                plate_province, letters[city[owner]], vehicle_index, nev_rank, nev, large
            ),
            "vin": vins(wmi_matrix([m.wmi for m in MAKES], make), model_year, vehicle_index, rng),
            "brand": frames.pick([m.brand for m in MAKES], make),
            "model": frames.pick([m.model for m in MAKES], make),
            "first_registration": frames.dates(first_registration),
            "new_energy": pl.Series(nev),
            "use": frames.pick(USES, use),
            "seats": pl.Series(seats),
            "price": frames.money(price),
            "vehicle_class": frames.pick(VEHICLE_CLASSES, (seats >= 6) + 2 * nev),
            "displacement": frames.decimal(
                np.rint(np.nan_to_num(displacement) * 100).astype(np.int64),
                4,
                2,
                displacement == displacement,
            ),
            "energy": frames.pick(ENERGIES, energy),
        },
    )
    first_day = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(first_day, owner, entry_day)
    prior_years = np.where(entry_customer == 0, rng.integers(0, 7, n), 0)
    customers = frames.table(
        "customers",
        {
            "customer_no": customer_no,
            "kind": frames.pick(("person", "company"), company),
            "name": name,
            "gender": frames.strings(frames.pick(("F", "M"), male), person),
            "birth_date": frames.dates(birth, person),
            "id_number": frames.strings(id_numbers_, person),
            "uscc": frames.strings(usccs(_DISTRICT_CODE[district], g), company),
            "phone": mobiles(g, rng, PHONE_PREFIXES),
            "province": frames.pick([c.province for c in CITIES], city),
            "city": frames.pick([c.name for c in CITIES], city),
            "address": address,
            "marketing_consent": pl.Series(rng.random(n) < 0.55),
            "do_not_call_until": frames.dates(today + rng.integers(1, 183, n), dnc),
            "first_insured_on": frames.dates(first_day - prior_years * 365),
            "owner_username": owner_username,
            # unit_code: the latest policy's unit, set once the book is simulated (writer.py)
        },
    )
    return People(
        customers=customers,
        vehicles=vehicles,
        customer_no=customer_no,
        vehicle_no=vehicle_no,
        owner=owner,
        city=city,
        district=district,
        company=company,
        owner_username=owner_username,
        make=make,
        new_energy=nev,
        seats=seats,
        displacement=displacement,
        energy=energy,
        use=use,
        price=price,
        entry_year=entry_year,
        new_car=new_car,
        anniversary=anniversary,
        first_registration=first_registration,
        risk=risk,
        vehicle_index=vehicle_index,
    )


def _ymd(days: np.ndarray) -> np.ndarray:
    d = np.asarray(days, dtype="datetime64[D]")
    y = d.astype("datetime64[Y]")
    m = d.astype("datetime64[M]")
    year = y.astype(np.int64) + 1970
    month = (m - y).astype(np.int64) + 1
    day = (d - m).astype(np.int64) + 1
    return year * 10_000 + month * 100 + day


def adult_ages(rng: np.random.Generator, n: int) -> np.ndarray:
    """Ages in years: normal(42, 11) folded back into [20, 80] at its ends. Clipping piled the
    2 % drawn under 20 on one birthday (the day 20 years ago), more people of one sex in a
    district than its 25 sequence codes keep apart: a 200,000-customer book had 56 customers
    sharing 26 resident ID numbers (#21). Folding keeps the draws (same stream) and spreads
    those ages over the years just above 20."""
    age = rng.normal(42, 11, n)
    age = np.where(age < 20, 40 - age, age)
    age = np.where(age > 80, 160 - age, age)
    return np.clip(age, 20, 80)


def _unique_id_numbers(
    rng: np.random.Generator,
    region: np.ndarray,
    birth_ymd: np.ndarray,
    male: np.ndarray,
    chunk: int,
) -> pl.Series:
    """Sequence codes: chunk c uses 050·(c mod 20) … +49 (odd = male), so chunks do not collide
    (for books up to 20 chunks); duplicates inside the chunk are redrawn (at most 50 rounds)."""
    base = (chunk % 20) * 50
    key_base = region * 10**8 + birth_ymd
    k = rng.integers(0, 25, len(region))
    _redraw_duplicates(rng, k, key_base * 100 + male)
    return id_numbers(region, birth_ymd, base + k * 2 + male)


def _redraw_duplicates(rng: np.random.Generator, k: np.ndarray, key0: np.ndarray) -> None:
    """Redraw ``k`` in place for every row whose key ``key0 + 2k`` an earlier row already has,
    round after round (50 at most: a day-and-district cell of more than 25 people of one sex
    never clears). Each round checks only the redrawn rows against the settled keys (kept
    sorted) instead of sorting the whole chunk again: the draws and the result are the same
    as a full ``np.unique`` per round, at a fraction of the cost."""
    key = key0 + k * 2
    order = np.argsort(key, kind="stable")
    ordered = key[order]
    first = np.r_[True, ordered[1:] != ordered[:-1]]
    settled_key, settled_row = ordered[first], order[first]  # distinct keys, sorted
    dup = np.sort(order[~first])
    for _ in range(50):
        if not len(dup):
            break
        k[dup] = rng.integers(0, 25, len(dup))
        new = key0[dup] + k[dup] * 2
        pos = np.searchsorted(settled_key, new)
        hit = pos < len(settled_key)
        hit[hit] = settled_key[pos[hit]] == new[hit]
        clash = np.unique(pos[hit])  # settled rows whose key a redrawn row now has
        cand_key = np.concatenate([settled_key[clash], new])
        cand_row = np.concatenate([settled_row[clash], dup])
        o = np.lexsort((cand_row, cand_key))  # by key, then the earliest row first
        cand_key, cand_row = cand_key[o], cand_row[o]
        keep = np.r_[True, cand_key[1:] != cand_key[:-1]]
        settled_key = np.delete(settled_key, clash)
        settled_row = np.delete(settled_row, clash)
        at = np.searchsorted(settled_key, cand_key[keep])
        settled_key = np.insert(settled_key, at, cand_key[keep])
        settled_row = np.insert(settled_row, at, cand_row[keep])
        dup = np.sort(cand_row[~keep])


# Non-new-energy vans (9 seats) run on diesel this often; the rest of the petrol cars on petrol.
VAN_DIESEL_SHARE = 0.5
# by seats (under 6, 6–10) and power (new energy)
VEHICLE_CLASSES = ("6座以下客车", "6-10座客车", "新能源6座以下客车", "新能源6-10座客车")


# Per make (MAKES order): its common engine sizes (NaN-padded; a battery-electric model has
# one NaN), how many, the PHEV share of a new-energy model, and whether it is a 9-seat van.
_ENGINE_COUNT = np.array([max(1, len(m.engines)) for m in MAKES])
_ENGINE_SIZES = np.array(
    [
        list(m.engines or (np.nan,)) + [np.nan] * (_ENGINE_COUNT.max() - _ENGINE_COUNT[i])
        for i, m in enumerate(MAKES)
    ]
)
_PHEV_SHARE = np.array([m.phev_share if m.new_energy else 0.0 for m in MAKES])
_MAKE_IS_NEV = np.array([m.new_energy for m in MAKES])
_MAKE_IS_VAN = np.array([m.seats >= 9 for m in MAKES])


def engines(rng: np.random.Generator, make: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Engine size (litres; NaN for battery-electric) and power source (a code into
    reference.ENERGIES) of each vehicle: one of
    its model's common versions; new-energy models are plug-in hybrids at the model's PHEV
    share, else battery-electric. Drawn from its own stream (the rest of the book is as
    before); table lookups by make, no loop over the models."""
    u = rng.random(len(make))
    pick = rng.random(len(make))
    chosen = _ENGINE_SIZES[make, (pick * _ENGINE_COUNT[make]).astype(np.int64)]
    nev = _MAKE_IS_NEV[make]
    phev = nev & (u < _PHEV_SHARE[make])
    diesel = ~nev & _MAKE_IS_VAN[make] & (u < VAN_DIESEL_SHARE)
    energy = np.select([phev, nev, diesel], [PHEV, BEV, DIESEL], PETROL)
    displacement = np.where(nev & ~phev, np.nan, chosen)
    return displacement, energy
