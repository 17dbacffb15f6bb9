"""Snapshot of the operational database as canonical Parquet, for one value run.

Only the columns the value pipeline reads are exported, through ``core.bulk.read_frame``
(``COPY … TO STDOUT`` on PostgreSQL, the cursor on SQLite). Either way the frames are cast to
the canonical types (``LAYOUT``: the canonical exchange layout's types for these columns, the
same as ``carecircle generate`` writes — ``tests/ingest/test_schema.py`` holds them equal), so
the pipeline sees the same thing from either source.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from carecircle.core.bulk import PolarsType, read_frame

# table → ([(expression, column)], FROM clause)
QUERIES: dict[str, tuple[list[tuple[str, str]], str]] = {
    "customers": (
        [
            ("c.customer_no", "customer_no"),
            ("c.first_insured_on", "first_insured_on"),
            ("c.kind", "kind"),
            ("c.province", "province"),
        ],
        "parties_customer c",
    ),
    # read by the book models only (rating factors of the vehicle)
    "vehicles": (
        [
            ("v.vehicle_no", "vehicle_no"),
            ("c.customer_no", "customer_no"),
            ("v.first_registration", "first_registration"),
            ("v.new_energy", "new_energy"),
            ("v.use", "use"),
            ("v.seats", "seats"),
            ("v.price", "price"),
        ],
        "parties_vehicle v JOIN parties_customer c ON c.id = v.owner_id",
    ),
    "policies": (
        [
            ("p.policy_no", "policy_no"),
            ("p.kind", "kind"),
            ("c.customer_no", "customer_no"),
            ("v.vehicle_no", "vehicle_no"),
            ("p.effective_date", "effective_date"),
            ("p.expiry_date", "expiry_date"),
            ("p.premium", "premium"),
            ("p.currency", "currency"),
            ("p.ncd_coefficient", "ncd_coefficient"),
            ("p.pricing_coefficient", "pricing_coefficient"),
            ("p.channel", "channel"),
            ("r.policy_no", "renews_policy_no"),
            ("p.cancelled_on", "cancelled_on"),
        ],
        """policies_policy p
        JOIN parties_customer c ON c.id = p.customer_id
        JOIN parties_vehicle v ON v.id = p.vehicle_id
        LEFT JOIN policies_policy r ON r.id = p.renews_id""",
    ),
    "claims": (
        [
            ("k.claim_no", "claim_no"),
            ("p.policy_no", "policy_no"),
            ("v.vehicle_no", "vehicle_no"),
            ("k.coverage", "coverage"),  # service riders are not counted as accidents
            ("k.accident_at", "accident_at"),
            ("k.reported_at", "reported_at"),
            ("k.amount_reserved", "amount_reserved"),
            ("k.amount_paid", "amount_paid"),
            ("k.amount_recovered", "amount_recovered"),  # net incurred (#16)
            ("k.currency", "currency"),
            ("k.status", "status"),
            ("k.injury", "injury"),
            ("k.paid_at", "paid_at"),
        ],
        """claims_claim k
        JOIN policies_policy p ON p.id = k.policy_id
        JOIN parties_vehicle v ON v.id = k.vehicle_id""",
    ),
    # Contacts of the five types, plus each standing alliance redemption as a value-added
    # service contact (增值服务接触): its rating is the satisfaction, a complaint the outcome.
    "interactions": (
        [
            ("i.customer_no", "customer_no"),
            ("i.contact_type", "contact_type"),
            ("i.occurred_at", "occurred_at"),
            ("i.outcome", "outcome"),
            ("i.satisfaction", "satisfaction"),
        ],
        """(SELECT c.customer_no AS customer_no, t.contact_type AS contact_type,
                   t.occurred_at AS occurred_at, t.outcome AS outcome,
                   t.satisfaction AS satisfaction
              FROM touchpoints_interaction t JOIN parties_customer c ON c.id = t.customer_id
            UNION ALL
            SELECT c.customer_no, 'service', r.redeemed_at,
                   CASE WHEN g.complaint THEN 'complained' ELSE 'resolved' END, g.stars
              FROM alliance_redemption r
              JOIN alliance_voucher v ON v.id = r.voucher_id
              JOIN parties_customer c ON c.id = v.customer_id
              LEFT JOIN alliance_rating g ON g.redemption_id = r.id
             WHERE r.status = 'completed') i""",
    ),
    # The alliance's price of each service used (the agreed price paid to the merchant): the
    # "services" part of value delivered where redemptions price it (features.services_value).
    "service_uses": (
        [
            ("c.customer_no", "customer_no"),
            ("r.redeemed_at", "occurred_at"),
            ("r.agreed_price", "agreed_price"),
        ],
        """alliance_redemption r
        JOIN alliance_voucher v ON v.id = r.voucher_id
        JOIN parties_customer c ON c.id = v.customer_id
        WHERE r.status = 'completed'""",
    ),
    # The latest renewal quote for each expiring policy (renewals app): the price change the
    # customer was offered, a factor of the book's renewal model (book_models.price_change).
    "renewal_quotes": (
        [
            ("p.policy_no", "policy_no"),
            ("q.total", "quoted_total"),
            ("q.last_year_total", "last_year_total"),
        ],
        """renewals_quote q
        JOIN renewals_renewaltask t ON t.id = q.task_id
        JOIN policies_policy p ON p.id = t.policy_id
        WHERE q.id = (SELECT MAX(q2.id) FROM renewals_quote q2 WHERE q2.task_id = q.task_id)""",
    ),
}
DATE = pl.Date
TS = pl.Datetime("us", "Asia/Shanghai")
MONEY = pl.Decimal(14, 2)
RATE = pl.Decimal(5, 3)
# table → column → type, for exactly the columns QUERIES select.
LAYOUT: dict[str, dict[str, PolarsType]] = {
    "customers": {
        "customer_no": pl.String,
        "first_insured_on": DATE,
        "kind": pl.String,
        "province": pl.String,
    },
    "vehicles": {
        "vehicle_no": pl.String,
        "customer_no": pl.String,
        "first_registration": DATE,
        "new_energy": pl.Boolean,
        "use": pl.String,
        "seats": pl.Int16,
        "price": MONEY,
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
        "ncd_coefficient": RATE,
        "pricing_coefficient": RATE,
        "channel": pl.String,
        "renews_policy_no": pl.String,
        "cancelled_on": DATE,
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
        "amount_recovered": MONEY,
        "currency": pl.String,
        "status": pl.String,
        "injury": pl.Boolean,
        "paid_at": TS,
    },
    "interactions": {
        "customer_no": pl.String,
        "contact_type": pl.String,
        "occurred_at": TS,
        "outcome": pl.String,
        "satisfaction": pl.Int8,
    },
    # Tables the alliance and renewals add beside the canonical ones.
    "service_uses": {
        "customer_no": pl.String,
        "occurred_at": TS,
        "agreed_price": MONEY,
    },
    "renewal_quotes": {
        "policy_no": pl.String,
        "quoted_total": MONEY,
        "last_year_total": MONEY,
    },
}


def _read(table: str) -> pl.DataFrame:
    select, source = QUERIES[table]
    return read_frame(select, source, LAYOUT[table])


def scan_service_uses(folder: Path) -> pl.LazyFrame | None:
    """The snapshot's priced service uses, or None (a generated book has none)."""
    path = Path(folder) / "service_uses.parquet"
    return pl.scan_parquet(path) if path.exists() else None


def export_snapshot(folder: Path) -> dict[str, int]:
    """Write ``folder/<table>.parquet`` for the pipeline's tables; returns row counts."""
    folder.mkdir(parents=True, exist_ok=True)
    counts = {}
    for table in QUERIES:
        frame = _read(table)
        frame.write_parquet(folder / f"{table}.parquet")
        counts[table] = frame.height
    return counts
