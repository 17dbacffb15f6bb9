"""Snapshot of the operational database as canonical Parquet, for one value run.

Only the columns the value pipeline reads are exported.  PostgreSQL streams with
``COPY … TO STDOUT`` (CSV); SQLite is read through its cursor.  Either way the frames are cast
to the canonical types so the pipeline sees the same thing as from ``carecircle generate``.
"""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl
from django.db import connection

from carecircle.ingest.schema import TABLES

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
            ("k.accident_at", "accident_at"),
            ("k.reported_at", "reported_at"),
            ("k.amount_reserved", "amount_reserved"),
            ("k.amount_paid", "amount_paid"),
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
# Tables the alliance and renewals add beside the canonical ones (ingest.schema.TABLES).
EXTRA_TABLES: dict[str, dict] = {
    "renewal_quotes": {
        "policy_no": pl.String,
        "quoted_total": pl.Decimal(14, 2),
        "last_year_total": pl.Decimal(14, 2),
    },
    "service_uses": {
        "customer_no": pl.String,
        "occurred_at": pl.Datetime("us", "Asia/Shanghai"),
        "agreed_price": pl.Decimal(14, 2),
    },
}


def cast_text(frame: pl.DataFrame, types: dict) -> pl.DataFrame:
    """Text columns (CSV from COPY, CAST AS TEXT on SQLite) → the given Polars types."""
    exprs = []
    for name in frame.columns:
        target = types[name]
        col = pl.col(name)
        if target == pl.Date:
            col = col.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
        elif isinstance(target, pl.Datetime):
            # Django stores UTC: PostgreSQL prints "+00", SQLite stores naive UTC text.
            col = (
                col.str.replace(r"\+00(:00)?$", "")
                .str.to_datetime(strict=False, time_zone="UTC")
                .dt.convert_time_zone("Asia/Shanghai")
            )
        elif target == pl.Boolean:
            col = col.is_in(["1", "t", "true", "True"])
        exprs.append(col.cast(target, strict=False).alias(name))
    return frame.select(exprs)


def fetch(select: list[tuple[str, str]], source: str, types: dict) -> pl.DataFrame:
    """Run ``SELECT <exprs> FROM <source>`` (fixed text, never input) into a typed frame."""
    names = [name for _, name in select]
    connection.ensure_connection()
    postgres = connection.vendor == "postgresql"
    # SQLite: CAST AS TEXT so the driver's type converters do not build Python objects.
    columns = ", ".join(
        f"{expr} AS {name}" if postgres else f"CAST({expr} AS TEXT) AS {name}"
        for expr, name in select
    )
    sql = f"SELECT {columns} FROM {source}"  # noqa: S608 (fixed text, no input)
    text_schema = {n: pl.String for n in names}
    if postgres:
        buffer = io.BytesIO()
        with (
            connection.cursor() as cursor,
            cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)") as copy,
        ):
            for chunk in copy:
                buffer.write(chunk)
        if buffer.tell() == 0:  # no rows: read_csv refuses an empty file
            frame = pl.DataFrame(schema=text_schema)
        else:
            buffer.seek(0)
            frame = pl.read_csv(
                buffer, has_header=False, new_columns=names, schema_overrides=text_schema
            )
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            rows = cursor.fetchall()
        frame = pl.DataFrame(rows, schema=text_schema, orient="row")
    return cast_text(frame, types)


def _read(table: str) -> pl.DataFrame:
    select, source = QUERIES[table]
    return fetch(select, source, TABLES.get(table) or EXTRA_TABLES[table])


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
