"""A vehicle's 交强险 history for the floating rate A (policies.compulsory, docs/domain.md).

Which claims count is the NCD's rule (``history.counted``: not void, not closed unpaid, not a
service rider, open claims per the setting). On top of it the floating rate needs the
accident's liability and deaths:

- an accident is one accident date on one compulsory policy year, whether its claim records
  sit on the 交强险 policy or on a commercial claim linked to it (``compulsory_policy``);
- it is at fault when a record has ``liability_share`` > 0; a record with no liability
  recorded counts as at fault (setting COMPULSORY_UNKNOWN_LIABILITY_AT_FAULT); an accident
  where the insured was not at fault never raises A;
- it is fatal when it is at fault and a record has ``deaths`` > 0.

The years are the vehicle's previous compulsory policies, not cancelled, newest first (at most
3: A looks no further). 交强险 belongs to the vehicle, so the history does not restart with a new
owner, and a gap does not reset it (the rate's window runs from the last policy to this one).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from carecircle.policies import compulsory
from carecircle.policies.choices import PolicyKind

from .history import VehicleRecords, vehicle_records

LOOK_BACK = 3


def compulsory_history(
    vehicle_id: int, start: dt.date, *, records: VehicleRecords | None = None
) -> list[compulsory.CompulsoryYear]:
    """The vehicle's compulsory years before ``start``, newest first, with their at-fault and
    fatal accidents (``records``: the quote's one read of the vehicle, else read here)."""
    if records is None or records.start < start:
        records = vehicle_records(vehicle_id, start)
    ids = [p[0] for p in records.before(start, PolicyKind.COMPULSORY)][:LOOK_BACK]
    if not ids:
        return []
    unknown_at_fault = bool(compulsory.SETTINGS.get("COMPULSORY_UNKNOWN_LIABILITY_AT_FAULT"))
    # (policy year, accident date) → [at fault, fatal]
    accidents: dict[tuple[int, dt.date], list[bool]] = defaultdict(lambda: [False, False])
    for policy_id, compulsory_id, day, share, deaths in records.claims:
        if policy_id not in ids and compulsory_id not in ids:
            continue
        year: int = compulsory_id if compulsory_id in ids else policy_id
        fault = unknown_at_fault if share is None else share > Decimal(0)
        flags = accidents[(year, day)]
        flags[0] |= fault
        flags[1] |= fault and deaths > 0
    at_fault = dict.fromkeys(ids, 0)
    fatal = dict.fromkeys(ids, 0)
    for (year, _day), (fault, death) in accidents.items():
        at_fault[year] += fault
        fatal[year] += death
    return [compulsory.CompulsoryYear(at_fault[pk], fatal[pk]) for pk in ids]


def floating_rate_for(
    vehicle_id: int,
    start: dt.date,
    *,
    province: str,
    city: str = "",
    records: VehicleRecords | None = None,
) -> tuple[str, Decimal, list[compulsory.CompulsoryYear]]:
    """(region group, A, the years behind it) for the vehicle's 交强险 starting on ``start``."""
    group = compulsory.region_group(province, city)
    years = compulsory_history(vehicle_id, start, records=records)
    return group, compulsory.floating_rate(group, years), years
