"""Renewal simulation (issue #4 §6): is working renewals by CareCircle's priority worth it?

    uv run python benchmarks/renewals_simulation.py [--customers 100000] [--seeds 5]
        [--seats N | --capacity-share 0.3] [--calls-per-seat 40] [--delta 0.5]
        [--connect 0.6] [--attempts 3] [--noise 0.5] [--effect logit|additive]

No database: everything is built in memory from the generator's canonical Parquet.

1. **Book.** ``carecircle generate --customers N --out DIR`` (cached in ``--workdir``). The
   book's "today" is the generator's reference date (2026-11-22).
2. **What CareCircle knows.** The value engine as ``carecircle value fit --book`` + ``value
   run`` would run it: the book's risk and renewal GLMs fitted on history
   (``value.engine.book_models``: the renewal model on the policies that expired in the last
   two years, 1 when a successor renews them), then ``compute`` → per customer tier, renewal
   probability, lifetime value, annual premium, loss ratio, margin.
3. **Renewals.** One per vehicle whose cover ends in the next ``--window`` days (90), lead
   policy commercial when there is one, compulsory companion added to the premium, like
   ``renewals.services.pipeline``. Each gets CareCircle's segment and priority from
   ``renewals.rules`` (value at stake × default lift k·p·(1−p), k = 0.6: a new book has no
   contact history to estimate the lift from).
4. **Customers' true response** (the same for every strategy and never taken from the
   priority): the renewal GLM's prediction for that renewal's lead policy, plus individual
   noise N(0, ``--noise``) on the log-odds that CareCircle cannot see. A connected call adds
   ``--delta`` to the log-odds (``--effect logit``, default) or ``--delta`` × 0.16 to the
   probability, capped at 1 (``--effect additive``: a contact lift that does NOT follow the
   p·(1−p) shape the priority assumes — the robustness check). A call connects with
   probability ``--connect``; at most ``--attempts`` attempts per renewal and one a day; once
   the customer is reached nobody calls again. Calls only from 40 days before expiry.
5. **Capacity.** ``--seats`` × ``--calls-per-seat`` calls a day (default: as many seats as
   cover ``--capacity-share`` of the calls the book would need), every day of the window.
6. **Strategies.** Each day the callable renewals are ordered by CareCircle's priority, by
   expiry date (first in, first out) or at random, and the first ``capacity`` are called.
   Common random numbers: for a seed, every customer's noise, each attempt's connection and
   the final renewal draw are the same in every strategy, so differences come from the order
   alone. A "no calls" run gives the floor, an "unlimited" one (capacity for every call) the
   ceiling: no order can retain more than the unlimited run.

Figures per strategy: renewals, renewal premium retained (last year's premium of the renewed),
lifetime value retained (the renewals' value at stake: the engine's lifetime value in
proportion to the renewal's share of the customer's premium, never below zero — as the
pipeline counts it), the signed lifetime value retained (loss-making customers count below
zero; the whole book's signed value sums to about nothing, so it is compared in yuan), and
what the calls added over no calls. Lifts of priority over expiry order and random: on the
total retained and on what the calls added. Mean, min and max over ``--seeds`` seeds. One
JSON object printed last.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carecircle.settings")

import django  # noqa: E402

django.setup()

from carecircle.renewals import rules as sorting  # noqa: E402
from carecircle.renewals.conf import RenewalSettings  # noqa: E402
from carecircle.value.engine import book_models  # noqa: E402
from carecircle.value.engine.checks import clean_inputs  # noqa: E402
from carecircle.value.engine.params import ValueParams  # noqa: E402
from carecircle.value.engine.pipeline import compute, results  # noqa: E402
from carecircle.value.engine.snapshot import scan_snapshot  # noqa: E402
from carecircle.value.ml.fitted import fit_renewal_model, fit_risk_model  # noqa: E402

AS_OF = dt.date(2026, 11, 22)  # the generator's reference date
STRATEGIES = ("priority", "expiry", "random")
ADDITIVE_SCALE = 0.16  # --effect additive: delta 0.5 → +8 points of renewal probability


def ensure_book(workdir: Path, customers: int, seed: int) -> Path:
    folder = workdir / f"book-{customers}-s{seed}"
    if not (folder / ".complete").exists():
        command = [sys.executable, "-m", "carecircle", "generate", "--customers", str(customers)]
        command += ["--seed", str(seed), "--out", str(folder), "--no-progress"]
        subprocess.run(command, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        (folder / ".complete").touch()
    return folder


# ----------------------------------------------------------------------------- the book


def engine_view(folder: Path, params: ValueParams) -> tuple[pl.DataFrame, object, dict]:
    """Fit the book models on history and value every customer (``value fit`` + ``run``)."""
    started = time.perf_counter()
    raw = scan_snapshot(folder)
    risk_rows = book_models.sample(book_models.risk_frame(folder, raw, params))
    renewal_rows = book_models.sample(book_models.renewal_frame(folder, raw, params))
    risk = fit_risk_model(risk_rows, book_models.BOOK_RISK)
    renewal = fit_renewal_model(renewal_rows, book_models.BOOK_RENEWAL)
    inputs, _counts = clean_inputs(scan_snapshot(folder))
    inputs.scores = book_models.score(folder, inputs, params, risk, renewal)
    values = results(compute(inputs, params)).collect()
    facts = {
        "history_renewals": renewal_rows.height,
        "history_renewal_rate": round(float(renewal_rows["renewed"].mean()), 4),
        "engine_seconds": round(time.perf_counter() - started, 1),
    }
    return values, renewal, facts


def expiring(folder: Path, params: ValueParams, window: int, renewal_model) -> pl.DataFrame:
    """One row per vehicle whose cover ends in the window: lead policy, premium with the
    compulsory companion, and the renewal model's probability for the lead policy."""
    inputs = scan_snapshot(folder)
    end = AS_OF + dt.timedelta(days=window)
    factors = (
        book_models._vehicle_factors(folder, inputs, params.as_of)
        .filter(
            (pl.col("expiry_date") > AS_OF)
            & (pl.col("expiry_date") <= end)
            & pl.col("cancelled_on").is_null()
        )
        .join(book_models._policy_claims(inputs, params), on="policy_no", how="left")
        .join(book_models._experience(inputs, params), on="customer_no", how="left")
        .with_columns(
            policy_claims=pl.col("nclaims").fill_null(0.0),
            satisfaction=pl.col("satisfaction").fill_null(4.0),
            services_used=pl.col("services_used").fill_null(0.0),
            premium_f=pl.col("premium").cast(pl.Float64),
        )
        .collect()
    )
    factors = factors.with_columns(model_p=pl.Series(renewal_model.predict(factors)))
    # "commercial" < "compulsory": the lead is the commercial policy when there is one.
    ordered = factors.sort("vehicle_no", "expiry_date", "kind")
    return (
        ordered.group_by("vehicle_no", "expiry_date", maintain_order=True)
        .agg(
            pl.col("policy_no").first(),
            pl.col("customer_no").first(),
            pl.col("model_p").first(),
            pl.col("premium_f").sum().alias("premium"),
        )
        .sort("expiry_date", "vehicle_no")
    )


def with_priority(tasks: pl.DataFrame, values: pl.DataFrame, k: Decimal) -> pl.DataFrame:
    """CareCircle's 清分 with ``renewals.rules``, from the engine's figures only."""
    signals = {
        row["customer_no"]: sorting.CustomerSignal(
            tier=row["tier"],
            renewal_probability=Decimal(str(row["renewal_probability"])),
            lifetime_value=Decimal(int(row["lifetime_value"])) / 100,
            annual_premium=Decimal(int(row["annual_premium"])) / 100,
            loss_ratio_credible=Decimal(str(row["loss_ratio_credible"] or 0)),
            annual_margin=Decimal(int(row["annual_margin"])) / 100,
        )
        for row in values.select(
            "customer_no",
            "tier",
            "renewal_probability",
            "lifetime_value",
            "annual_premium",
            "loss_ratio_credible",
            "annual_margin",
        ).iter_rows(named=True)
    }
    priorities, stakes, ltv_shares, segments = [], [], [], []
    for customer_no, premium in tasks.select("customer_no", "premium").iter_rows():
        signal = signals.get(customer_no)
        money = Decimal(str(round(premium, 2)))
        p = signal.renewal_probability if signal else sorting.FALLBACK_PROBABILITY
        stake = sorting.value_at_stake(signal, money)
        priorities.append(float(sorting.priority(stake, sorting.default_lift(p, k))))
        stakes.append(float(stake))
        segments.append(sorting.segment(signal))
        if signal is None or signal.annual_premium <= 0:
            ltv_shares.append(float(stake))
        else:  # signed: keeping a loss-making customer costs value
            share = min(Decimal(1), money / signal.annual_premium)
            ltv_shares.append(float(signal.lifetime_value * share))
    return tasks.with_columns(
        priority=pl.Series(priorities),
        value_at_stake=pl.Series(stakes),
        ltv=pl.Series(ltv_shares),
        segment=pl.Series(segments),
    )


# ----------------------------------------------------------------------------- simulation


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def simulate(
    tasks: pl.DataFrame, strategy: str, draws: dict[str, np.ndarray], capacity: int, args
) -> np.ndarray:
    """Which renewals were reached (bool array) when worked in ``strategy`` order."""
    n = tasks.height
    expiry = (tasks["expiry_date"] - AS_OF).dt.total_days().to_numpy()
    first_call = expiry - args.earliest_call_days
    attempts = np.zeros(n, dtype=np.int64)
    reached = np.zeros(n, dtype=bool)
    if strategy == "priority":
        rank = np.lexsort((expiry, -tasks["priority"].to_numpy()))
    elif strategy == "expiry":
        rank = np.lexsort((np.arange(n), expiry))
    order_of = np.empty(n, dtype=np.int64)
    if strategy != "random":
        order_of[rank] = np.arange(n)
    for day in range(args.window):
        callable_now = (first_call <= day) & (day < expiry) & ~reached & (attempts < args.attempts)
        candidates = np.flatnonzero(callable_now)
        if candidates.size == 0:
            continue
        if strategy == "random":
            keys = draws["daily_order"][day, candidates]
        else:
            keys = order_of[candidates]
        if candidates.size > capacity:
            chosen = candidates[np.argpartition(keys, capacity - 1)[:capacity]]
        else:
            chosen = candidates
        tries = attempts[chosen]
        connected = draws["connect"][chosen, tries] < args.connect
        attempts[chosen] += 1
        reached[chosen[connected]] = True
    return reached


def outcome(tasks: pl.DataFrame, reached: np.ndarray, draws: dict[str, np.ndarray], args):
    base = logit(tasks["model_p"].to_numpy()) + draws["noise"]
    if args.effect == "logit":
        p = 1 / (1 + np.exp(-(base + args.delta * reached)))
    else:
        p = np.minimum(1.0, 1 / (1 + np.exp(-base)) + args.delta * ADDITIVE_SCALE * reached)
    renewed = draws["renew"] < p
    premium = tasks["premium"].to_numpy()
    stake = tasks["value_at_stake"].to_numpy()
    ltv = tasks["ltv"].to_numpy()
    return {
        "renewed": int(renewed.sum()),
        "reached": int(reached.sum()),
        "premium_retained": float(premium[renewed].sum()),
        "ltv_retained": float(stake[renewed].sum()),
        "signed_ltv_retained": float(ltv[renewed].sum()),
    }


def one_seed(tasks: pl.DataFrame, seed: int, capacity: int, args) -> dict[str, dict]:
    rng = np.random.default_rng(seed)
    n = tasks.height
    draws = {
        "noise": rng.normal(0.0, args.noise, n),
        "connect": rng.random((n, args.attempts)),
        "renew": rng.random(n),
        "daily_order": rng.random((args.window, n)),
    }
    found = {"no_calls": outcome(tasks, np.zeros(n, dtype=bool), draws, args)}
    # The ceiling: capacity for everyone (the order no longer matters).
    found["unlimited"] = outcome(tasks, simulate(tasks, "expiry", draws, n, args), draws, args)
    for strategy in STRATEGIES:
        found[strategy] = outcome(
            tasks, simulate(tasks, strategy, draws, capacity, args), draws, args
        )
    return found


def spread(values: list[float]) -> dict[str, float]:
    return {
        "mean": round(float(np.mean(values)), 4),
        "min": round(float(np.min(values)), 4),
        "max": round(float(np.max(values)), 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--book-seed", type=int, default=1)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--window", type=int, default=90)
    parser.add_argument("--seats", type=int, default=None)
    parser.add_argument("--capacity-share", type=float, default=0.3)
    parser.add_argument("--calls-per-seat", type=int, default=40)
    parser.add_argument("--delta", type=float, default=0.5)
    parser.add_argument("--connect", type=float, default=0.6)
    parser.add_argument("--attempts", type=int, default=3)
    parser.add_argument("--noise", type=float, default=0.5)
    parser.add_argument("--effect", choices=("logit", "additive"), default="logit")
    parser.add_argument("--earliest-call-days", type=int, default=40)
    parser.add_argument(
        "--workdir", type=Path, default=Path(tempfile.gettempdir()) / "cc-renewals-sim"
    )
    args = parser.parse_args()

    started = time.perf_counter()
    folder = ensure_book(args.workdir, args.customers, args.book_seed)
    params = ValueParams(as_of=AS_OF)
    values, renewal_model, facts = engine_view(folder, params)
    tasks = expiring(folder, params, args.window, renewal_model)
    tasks = with_priority(tasks, values, RenewalSettings().default_lift_k)
    # Calls the book would need to reach everyone it can: expected attempts per renewal with
    # up to ``attempts`` tries at ``connect`` each.
    q = 1 - args.connect
    per_task = sum(q**i for i in range(args.attempts))
    needed_per_day = tasks.height * per_task / args.window
    seats = args.seats or max(
        1, math.ceil(args.capacity_share * needed_per_day / args.calls_per_seat)
    )
    capacity = seats * args.calls_per_seat

    runs = [one_seed(tasks, seed, capacity, args) for seed in range(args.seeds)]
    summary: dict[str, dict] = {}
    for strategy in ("no_calls", "unlimited", *STRATEGIES):
        summary[strategy] = {
            metric: spread([run[strategy][metric] for run in runs])
            for metric in (
                "renewed",
                "reached",
                "premium_retained",
                "ltv_retained",
                "signed_ltv_retained",
            )
        }

    def lift(metric: str, versus: str, over_floor: bool) -> dict[str, float]:
        found = []
        for run in runs:
            floor = run["no_calls"][metric] if over_floor else 0.0
            found.append((run["priority"][metric] - floor) / (run[versus][metric] - floor) - 1)
        return spread(found)

    lifts = {
        f"{metric}_{scope}_vs_{versus}": lift(metric, versus, scope == "added")
        for metric in ("ltv_retained", "premium_retained")
        for versus in ("expiry", "random")
        for scope in ("total", "added")
    }
    # The signed lifetime value of a book sums to about nothing (a 2 % margin, loss-making
    # customers below zero), so it is compared in yuan, not as a ratio.
    for versus in ("expiry", "random"):
        lifts[f"signed_ltv_yuan_vs_{versus}"] = spread(
            [
                run["priority"]["signed_ltv_retained"] - run[versus]["signed_ltv_retained"]
                for run in runs
            ]
        )
    target = lifts["ltv_retained_total_vs_expiry"]["min"] >= 0.10
    print(
        json.dumps(
            {
                "benchmark": "renewals_simulation",
                "customers": args.customers,
                "renewals": tasks.height,
                "premium_due": round(float(tasks["premium"].sum()), 2),
                "ltv_due": round(float(tasks["value_at_stake"].sum()), 2),
                "signed_ltv_due": round(float(tasks["ltv"].sum()), 2),
                "segments": dict(tasks["segment"].value_counts().iter_rows()),
                "book": facts,
                "response_model": {
                    "base": "book renewal GLM on the lead policy + N(0, noise) on the log-odds",
                    "noise": args.noise,
                    "effect": args.effect,
                    "delta": args.delta,
                    "connect_probability": args.connect,
                    "attempts_max": args.attempts,
                    "calls_from_days_before_expiry": args.earliest_call_days,
                },
                "capacity": {
                    "seats": seats,
                    "calls_per_seat_per_day": args.calls_per_seat,
                    "calls_per_day": capacity,
                    "calls_needed_per_day": round(needed_per_day, 1),
                    "share_of_need": round(capacity / needed_per_day, 3),
                },
                "seeds": args.seeds,
                "strategies": summary,
                "lift": lifts,
                "target_ltv_total_vs_expiry_10pct_met_every_seed": target,
                "seconds": round(time.perf_counter() - started, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
