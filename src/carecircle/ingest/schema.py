"""The canonical tables CareCircle exchanges as Parquet/CSV/Excel.

``carecircle generate`` writes these tables (one Parquet file or a folder of part files per
table); ``carecircle import`` reads them (and other layouts through a column mapping). Keys are
business keys so re-importing upserts rather than duplicates: ``customer_no``, ``vehicle_no``,
``policy_no``, ``claim_no``, ``interaction_no``, partner ``code``, staff ``username``.

Dates are ISO dates, timestamps are timezone-aware (Asia/Shanghai) or naive local time,
money is a decimal string or number in the policy's currency (two places).
"""

from __future__ import annotations

import polars as pl

DATE = pl.Date
TS = pl.Datetime("us", "Asia/Shanghai")
MONEY = pl.Decimal(14, 2)

TABLES: dict[str, dict[str, pl.DataType | type[pl.DataType]]] = {
    "staff": {
        "username": pl.String,
        "display_name": pl.String,
        "role": pl.String,
        "team": pl.String,
        "team_kind": pl.String,
        "employee_no": pl.String,
        "licence_no": pl.String,
        "partner_code": pl.String,
        "unit_code": pl.String,  # 机构代码: the unit the person sits in
    },
    "partners": {
        "code": pl.String,
        "name": pl.String,
        "kind": pl.String,
        "uscc": pl.String,
        "brand": pl.String,
        "city": pl.String,
        "address": pl.String,
    },
    "customers": {
        "customer_no": pl.String,
        "kind": pl.String,
        "name": pl.String,
        "gender": pl.String,
        "birth_date": DATE,
        "id_number": pl.String,
        "uscc": pl.String,
        "phone": pl.String,
        "province": pl.String,
        "city": pl.String,
        "address": pl.String,
        "marketing_consent": pl.Boolean,
        "do_not_call_until": DATE,
        "first_insured_on": DATE,
        "owner_username": pl.String,
        "unit_code": pl.String,  # servicing unit (the unit of the latest policy)
    },
    "vehicles": {
        "vehicle_no": pl.String,
        "customer_no": pl.String,
        "plate": pl.String,
        "vin": pl.String,
        "brand": pl.String,
        "model": pl.String,
        "first_registration": DATE,
        "new_energy": pl.Boolean,
        "use": pl.String,
        "seats": pl.Int16,
        "price": MONEY,
        "vehicle_class": pl.String,
        "displacement": pl.Decimal(4, 2),  # litres (车船税 band)
        "energy": pl.String,  # parties.choices.Energy
    },
    "policies": {
        "policy_no": pl.String,
        "kind": pl.String,
        "customer_no": pl.String,
        "vehicle_no": pl.String,
        "effective_date": DATE,
        "expiry_date": DATE,
        "premium": MONEY,
        "currency": pl.String,
        "ncd_level": pl.Int8,
        "ncd_coefficient": pl.Decimal(5, 3),
        "pricing_coefficient": pl.Decimal(5, 3),
        "channel": pl.String,
        "partner_code": pl.String,
        "agent_username": pl.String,
        "renews_policy_no": pl.String,
        "cancelled_on": DATE,
        "vehicle_tax": MONEY,  # 车船税 collected with 交强险, apart from premium
        "unit_code": pl.String,  # issuing unit (出单机构)
    },
    "coverages": {
        "policy_no": pl.String,
        "code": pl.String,
        "limit": MONEY,
        "premium": MONEY,
    },
    "claims": {
        "claim_no": pl.String,
        "policy_no": pl.String,
        "vehicle_no": pl.String,
        "coverage": pl.String,
        "accident_at": TS,
        "reported_at": TS,
        "amount_reserved": MONEY,
        "amount_paid": MONEY,
        "amount_recovered": MONEY,  # subrogation + salvage recovered (#16); blank = none
        "currency": pl.String,
        "status": pl.String,
        "injury": pl.Boolean,
        "paid_at": TS,
        "closed_at": TS,
        "repair_shop_code": pl.String,
        "liability_share": pl.Decimal(4, 3),  # the insured's share of the fault, 0–1
        "deaths": pl.Int16,
        "unit_code": pl.String,  # the policy's unit
    },
    "interactions": {
        "interaction_no": pl.String,
        "customer_no": pl.String,
        "contact_type": pl.String,
        "medium": pl.String,
        "direction": pl.String,
        "occurred_at": TS,
        "staff_username": pl.String,
        "partner_code": pl.String,
        "policy_no": pl.String,
        "claim_no": pl.String,
        "summary": pl.String,
        "outcome": pl.String,
        "satisfaction": pl.Int8,
    },
}

# The organisation tree (机构), loaded before every table (``core.org.load_units``): parents
# before children; not a TABLES entry because a unit's path is built from its parent's.
ORG_UNITS: dict[str, pl.DataType | type[pl.DataType]] = {
    "code": pl.String,
    "name": pl.String,
    "level": pl.String,  # head | province | city | sub
    "parent_code": pl.String,
    "province": pl.String,
    "city": pl.String,
}

# Load order respects foreign keys.
LOAD_ORDER = (
    "partners",
    "staff",
    "customers",
    "vehicles",
    "policies",
    "coverages",
    "claims",
    "interactions",
)
