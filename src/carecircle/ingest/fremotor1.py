"""Adapter for the real French private-motor portfolio fremotor1 (CASdatasets).

The three files become canonical tables and go through the same validation and loader as any
import. Choices (docs/importing.md):

- customer = the part of ``IDpol`` before the dot (``FR-1000113``); vehicle = the whole ``IDpol``;
- one commercial policy per (IDpol, Year), effective 1 January, expiring 1 January next year
  (the data is by calendar year); the 2004 policy renews the 2003 one of the same IDpol;
- premium = ``PremTot`` in EUR, kept as data (never converted); coverages from the ``Prem*``
  columns; ``BonusMalus`` (50–350, 100 = neutral) becomes the NCD coefficient ÷ 100;
- channel A → agent, B → intermediary (broker), L → direct;
- claim no. = ``FR-<IDclaim>-<n>`` (an IDclaim repeats across guarantees);
- a claim belongs to the policy of its vehicle for the year of ``OccurDate``; report date
  unknown, so reported = occurred; payments are settled amounts (status closed).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
from django.conf import settings

from carecircle.core import audit
from carecircle.core.models import AuditLog

from .canonical import ImportError_, import_frame
from .results import ImportResult

CHANNELS = {"A": "agent", "B": "intermediary", "L": "direct"}
USES = {
    "Private+trip to office": "household",
    "Professional": "non_operating",
    "Professional run": "operating",
}
COVERAGES = {
    "PremWindscreen": "glass",
    "PremDamAll": "vehicle_damage",
    "PremFire": "fire",
    "PremAcc1": "driver_seat",
    "PremAcc2": "passenger_seat",
    "PremLegal": "legal",
    "PremTPLM": "compulsory",
    "PremTPLV": "third_party",
    "PremServ": "roadside_rescue",
    "PremTheft": "theft",
}
GUARANTEES = {
    "Windscreen": "glass",
    "TPL": "third_party",
    "Damage": "vehicle_damage",
    "Theft": "theft",
    "Fire": "fire",
    "Other": "other",
}
FILES = ("fremotor1prem.parquet", "fremotor1freq.parquet", "fremotor1sev.parquet")


def _customer_no(col: str = "IDpol") -> pl.Expr:
    return pl.lit("FR-") + pl.col(col).str.split(".").list.first()


def _policy_no(year: pl.Expr) -> pl.Expr:
    return pl.lit("FR-") + pl.col("IDpol") + pl.lit("-") + year.cast(pl.Int32).cast(pl.String)


def frames(folder: Path) -> dict[str, pl.DataFrame]:
    prem = pl.read_parquet(folder / FILES[0]).with_columns(
        pl.col(pl.Categorical).cast(pl.String), pl.col("Year").cast(pl.Int32)
    )
    sev = pl.read_parquet(folder / FILES[2]).with_columns(pl.col(pl.Categorical).cast(pl.String))
    first = prem.sort("Year").unique("IDpol", keep="first", maintain_order=True)
    customers = (
        first.with_columns(_customer_no().alias("customer_no"))
        .unique("customer_no", keep="first", maintain_order=True)
        .select(
            "customer_no",
            pl.lit("person").alias("kind"),
            pl.col("customer_no").alias("name"),
            pl.col("DrivGender").alias("gender"),
            pl.col("Region").alias("province"),
            pl.lit(False).alias("marketing_consent"),
        )
    )
    vehicles = first.select(
        pl.col("IDpol").alias("vehicle_no"),
        _customer_no().alias("customer_no"),
        pl.col("VehUsage").replace_strict(USES, default="household").alias("use"),
        pl.lit(5).alias("seats"),
        pl.col("VehClass").alias("vehicle_class"),
        pl.lit(False).alias("new_energy"),
    )
    years = set(prem["Year"].unique().to_list())
    policies = prem.with_row_index("source_row", offset=1).select(
        "source_row",
        _policy_no(pl.col("Year")).alias("policy_no"),
        pl.lit("commercial").alias("kind"),
        _customer_no().alias("customer_no"),
        pl.col("IDpol").alias("vehicle_no"),
        pl.date(pl.col("Year"), 1, 1).alias("effective_date"),
        pl.date(pl.col("Year") + 1, 1, 1).alias("expiry_date"),
        pl.col("PremTot").round(2).cast(pl.String).alias("premium"),
        pl.lit("EUR").alias("currency"),
        (pl.col("BonusMalus") / 100).round(3).cast(pl.String).alias("ncd_coefficient"),
        pl.col("Channel").replace_strict(CHANNELS, default=pl.col("Channel")).alias("channel"),
        pl.when((pl.col("Year") - 1).is_in(list(years)))
        .then(_policy_no(pl.col("Year") - 1))
        .alias("renews_policy_no"),
    )
    # Only link a renewal to a predecessor that exists in the file.
    known = set(policies["policy_no"].to_list())
    policies = policies.with_columns(
        pl.when(pl.col("renews_policy_no").is_in(list(known))).then(pl.col("renews_policy_no"))
    )
    coverages = pl.concat(
        [
            prem.filter(pl.col(src) > 0).select(
                _policy_no(pl.col("Year")).alias("policy_no"),
                pl.lit(code).alias("code"),
                pl.col(src).round(2).cast(pl.String).alias("premium"),
            )
            for src, code in COVERAGES.items()
        ]
    ).unique(["policy_no", "code"], keep="first", maintain_order=True)
    # IDclaim repeats when one event pays under several guarantees: number them in file order.
    claims = sev.with_columns(pl.int_range(pl.len()).over("IDclaim").alias("n")).select(
        (pl.lit("FR-") + pl.col("IDclaim") + "-" + (pl.col("n") + 1).cast(pl.String)).alias(
            "claim_no"
        ),
        _policy_no(pl.col("OccurDate").dt.year()).alias("policy_no"),
        pl.col("IDpol").alias("vehicle_no"),
        pl.col("Guarantee").replace_strict(GUARANTEES, default="other").alias("coverage"),
        pl.col("OccurDate").cast(pl.Datetime).alias("accident_at"),
        pl.col("OccurDate").cast(pl.Datetime).alias("reported_at"),
        pl.lit("0").alias("amount_reserved"),
        pl.col("Payment").cast(pl.String).alias("amount_paid"),
        pl.lit("EUR").alias("currency"),
        pl.lit("closed").alias("status"),
        pl.lit(False).alias("injury"),
    )
    return {
        "customers": customers,
        "vehicles": vehicles,
        "policies": policies,
        "coverages": coverages,
        "claims": claims,
    }


def import_fremotor1(folder: Path, *, acting_user=None, progress: bool = True) -> ImportResult:
    folder = Path(folder)
    missing = [f for f in FILES if not (folder / f).exists()]
    if missing:
        raise ImportError_(f"{folder} 缺少文件 / is missing {', '.join(missing)}")
    # The datasets folder is read-only, so reports go to the data directory.
    reports = Path(settings.DATA_DIR) / "import-reports"
    reports.mkdir(parents=True, exist_ok=True)
    result = ImportResult()
    for table, frame in frames(folder).items():
        if table == "policies":
            # Report the row of fremotor1prem.parquet, not the row of the sorted frame.
            frame = frame.rename({"source_row": "__row"})
        result.tables.append(
            import_frame(
                table,
                frame,
                source=f"fremotor1:{table}",
                report_to=reports / f"fremotor1-{table}.errors.csv",
                progress=progress,
            )
        )
    audit.record(
        acting_user,
        AuditLog.Action.IMPORT,
        object_type="ingest.import",
        summary=f"fremotor1 {folder}",
        changes={"tables": result.counts()},
    )
    return result
