"""Customer interactions of the five contact types, derived from the chunk's policies and claims:

- sales: the sale of each new-business vehicle (agent visit, 4S shop, telesales call, app);
- phone: renewal calls from 40 days before expiry, 09:00-21:00, to customers who consented;
- claims: the report call and, once closed, the follow-up call (回访) with a satisfaction score;
- service: use of service riders and alliance merchants (rescue, safety check, car wash …);
- brand: surveys, complaints and social-media mentions.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from . import frames
from .config import GenerateOptions
from .customers import People
from .partners import PartyIndex

HOUR_US = 3600 * 1_000_000
SERVICES = ("道路救援", "车辆安全检测", "代为驾驶", "代为送检", "洗车", "保养")
CALL_OUTCOMES = ("sold", "refused", "not_reached", "quoted", "reached")
SOLD, REFUSED, NOT_REACHED, QUOTED, REACHED = range(5)
_SALE_MEDIUM = {
    "direct": "store", "agent": "visit", "four_s_shop": "store", "repair_shop": "store",
    "used_car_dealer": "store", "telesales": "phone", "online": "app", "intermediary": "visit",
}  # fmt: skip


def _daytime(rng: np.random.Generator, days: np.ndarray) -> np.ndarray:
    """A moment between 09:00 and 20:59 local on each day."""
    return days * frames.DAY_US + (9 * HOUR_US + rng.integers(0, 12 * 3600, len(days)) * 1_000_000)


def _frame(contact_type: str, n: int, **columns) -> pl.DataFrame:
    base = {"contact_type": pl.repeat(contact_type, n, dtype=pl.String, eager=True)}
    for name, value in columns.items():
        if isinstance(value, str):
            value = pl.repeat(value, n, dtype=pl.String, eager=True)
        elif isinstance(value, np.ndarray) and name == "occurred_at":
            value = frames.timestamps(value)
        base[name] = value
    return frames.table("interactions", base | {"interaction_no": base["contact_type"]})


def build_interactions(
    options: GenerateOptions,
    chunk: int,
    people: People,
    parties: PartyIndex,
    policies: pl.DataFrame,
    claims: pl.DataFrame,
) -> pl.DataFrame:
    rng = np.random.default_rng([options.seed, chunk, 3])
    today = frames.day_number(options.reference_date)
    now_us = today * frames.DAY_US
    start, _ = options.chunk_bounds(chunk)
    compulsory = policies.filter(pl.col("kind") == "compulsory")
    customers = people.customers
    consent = customers.select("customer_no", "marketing_consent", "owner_username")
    parts = []

    # sales: each new-business vehicle
    new = compulsory.filter(pl.col("renews_policy_no").is_null())
    eff = new["effective_date"].cast(pl.Int32).to_numpy().astype(np.int64)
    n = len(new)
    parts.append(
        _frame(
            "sales",
            n,
            customer_no=new["customer_no"],
            medium=new["channel"].replace_strict(_SALE_MEDIUM, return_dtype=pl.String),
            direction=frames.pick(
                ("inbound", "outbound"),
                new["channel"].is_in(["agent", "telesales", "intermediary"]).to_numpy(),
            ),
            occurred_at=_daytime(rng, eff - rng.integers(0, 15, n)),
            staff_username=new["agent_username"],
            partner_code=new["partner_code"],
            policy_no=new["policy_no"],
            summary=frames.pick(
                ("投保方案讲解，已出单", "新保投保咨询并成交"), rng.random(n) < 0.5
            ),
            outcome="sold",
        )
    )

    # phone: renewal calls for policies whose call window has opened
    renewed = policies["renews_policy_no"].drop_nulls().implode()
    due = (
        compulsory.filter(
            pl.col("cancelled_on").is_null() & (pl.col("expiry_date").cast(pl.Int32) - 40 < today)
        )
        .join(consent, on="customer_no")
        .filter(pl.col("marketing_consent"))
    )
    attempts = rng.integers(1, 4, len(due))
    idx = np.repeat(np.arange(len(due)), attempts)
    calls = due[idx]
    m = len(calls)
    expiry = calls["expiry_date"].cast(pl.Int32).to_numpy().astype(np.int64)
    window_end = np.minimum(expiry - 1, today - 1)
    window_start = expiry - 40
    day = window_start + (rng.random(m) * np.maximum(window_end - window_start, 1)).astype(np.int64)
    last = np.r_[idx[1:] != idx[:-1], True]
    was_renewed = calls["policy_no"].is_in(renewed).to_numpy()
    settled_window = expiry <= today
    # outcome codes into CALL_OUTCOMES (gathered from a small Series: a numpy string array
    # converts slowly)
    final = np.where(
        was_renewed,
        SOLD,
        np.where(settled_window, np.where(rng.random(m) < 0.6, REFUSED, NOT_REACHED), QUOTED),
    )
    outcome = np.where(last, final, np.where(rng.random(m) < 0.5, NOT_REACHED, REACHED))
    seat = frames.pick(parties.seats, rng.integers(0, len(parties.seats), m))
    owner = calls["owner_username"]
    parts.append(
        _frame(
            "phone",
            m,
            customer_no=calls["customer_no"],
            medium="phone",
            direction="outbound",
            occurred_at=np.minimum(_daytime(rng, day), now_us - HOUR_US),
            staff_username=pl.select(
                pl.when(owner.str.starts_with("seat")).then(owner).otherwise(seat)
            ).to_series(),
            policy_no=calls["policy_no"],
            summary="续保提醒外呼",
            outcome=frames.pick(CALL_OUTCOMES, outcome),
        )
    )

    # claims: report call per accident, follow-up call once closed
    accidents = (
        claims.group_by(["vehicle_no", "accident_at"], maintain_order=True)
        .agg(
            pl.col("claim_no").first(),
            pl.col("policy_no").first(),
            pl.col("reported_at").first(),
            pl.col("closed_at").first(),
            pl.col("status").first(),
        )
        .join(policies.select("policy_no", "customer_no"), on="policy_no")
    )
    a = len(accidents)
    handler = frames.pick(parties.claims_handlers, rng.integers(0, len(parties.claims_handlers), a))
    parts.append(
        _frame(
            "claims",
            a,
            customer_no=accidents["customer_no"],
            medium="phone",
            direction="inbound",
            occurred_at=accidents["reported_at"],
            staff_username=handler,
            policy_no=accidents["policy_no"],
            claim_no=accidents["claim_no"],
            summary="客户报案",
            outcome="pending",
        )
    )
    closed = accidents.filter(pl.col("status") == "closed")
    follow_at = closed["closed_at"].dt.offset_by("1d")
    keep = (
        follow_at
        < pl.Series([now_us])
        .cast(pl.Datetime("us", "UTC"))
        .dt.convert_time_zone("Asia/Shanghai")[0]
    ).to_numpy()
    closed, follow_at = closed.filter(pl.Series(keep)), follow_at.filter(pl.Series(keep))
    c = len(closed)
    score = rng.choice(5, size=c, p=(0.03, 0.04, 0.11, 0.32, 0.5)) + 1
    parts.append(
        _frame(
            "claims",
            c,
            customer_no=closed["customer_no"],
            medium="phone",
            direction="outbound",
            occurred_at=follow_at,
            staff_username=frames.pick(
                parties.claims_handlers, rng.integers(0, len(parties.claims_handlers), c)
            ),
            policy_no=closed["policy_no"],
            claim_no=closed["claim_no"],
            summary="理赔结案回访",
            outcome=frames.pick(("resolved", "complained"), score <= 2),
            satisfaction=pl.Series(score, dtype=pl.Int8),
        )
    )

    # service: rider and merchant use during commercial policy years
    commercial = policies.filter(pl.col("kind") == "commercial")
    use = rng.random(len(commercial)) < 0.35
    svc = commercial.filter(pl.Series(use))
    s = len(svc)
    start_day = svc["effective_date"].cast(pl.Int32).to_numpy().astype(np.int64)
    span = np.maximum(
        np.minimum(svc["expiry_date"].cast(pl.Int32).to_numpy(), today) - start_day, 1
    )
    row = svc["customer_no"].str.slice(1).cast(pl.Int64).to_numpy() - start
    merchant = frames.pick(parties.merchant.codes, parties.merchant.pick(rng, people.city[row]))
    parts.append(
        _frame(
            "service",
            s,
            customer_no=svc["customer_no"],
            medium=frames.pick(("phone", "app"), rng.random(s) < 0.7),
            direction="inbound",
            occurred_at=_daytime(rng, start_day + (rng.random(s) * span).astype(np.int64)),
            partner_code=merchant,
            policy_no=svc["policy_no"],
            summary=frames.pick(SERVICES, rng.integers(0, len(SERVICES), s)),
            outcome="resolved",
            satisfaction=pl.Series(
                rng.choice(5, size=s, p=(0.02, 0.03, 0.1, 0.35, 0.5)) + 1, dtype=pl.Int8
            ),
        )
    )

    # brand: surveys, complaints and social media over the three years
    nc = len(customers)
    b = rng.poisson(0.25, nc)
    who = np.repeat(np.arange(nc), b)
    kind = rng.choice(3, size=len(who), p=(0.75, 0.1, 0.15))
    day = today - rng.integers(1, 3 * 365, len(who))
    score = rng.choice(5, size=len(who), p=(0.04, 0.06, 0.2, 0.35, 0.35)) + 1
    parts.append(
        _frame(
            "brand",
            len(who),
            customer_no=people.customer_no.gather(who),
            medium=frames.pick(("sms", "phone", "social"), kind),
            direction=frames.pick(("inbound", "outbound"), kind == 0),
            occurred_at=_daytime(rng, day),
            summary=frames.pick(("满意度调查(NPS)", "客户投诉", "社交媒体评价"), kind),
            outcome=frames.pick(("informed", "complained", "informed"), kind),
            satisfaction=frames.strings(pl.Series(score, dtype=pl.Int8), kind != 1).cast(pl.Int8),
        )
    )
    out = pl.concat(parts)
    number = "IX" + f"{chunk:05d}" + pl.Series(np.arange(len(out))).cast(pl.String).str.zfill(9)
    return out.with_columns(number.alias("interaction_no"))
