"""Renewal and call-centre settings (docs/renewals.md), overridable per deployment through
``settings.CARECIRCLE["RENEWALS"]`` (read through ``core.conf.as_dataclass``: unknown names
are refused). Legal figures come from DOMAIN.md; the marked ones are settings because regions
differ (Shenzhen calls 08:00–20:00 and keeps refusals a year)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from carecircle.core.conf import as_dataclass


@dataclass(frozen=True)
class RenewalSettings:
    # Pipeline windows, in days before expiry.
    reserve_days: int = 90  # channel-owned customers are reserved for their agent / 4S shop
    handover_days: int = 45  # unworked reserved renewals hand over to telesales
    checkpoint_days: tuple[int, ...] = (33, 30)  # supervisors' checkpoints
    release_days: int = 30  # at the last checkpoint every reserved renewal goes to telesales
    earliest_call_days: int = 40  # no renewal call earlier unless the customer asked
    # Calls (2013 P&C telemarketing notice; *settings*).
    call_start: dt.time = dt.time(9, 0)
    call_end: dt.time = dt.time(21, 0)
    # Per-city calling hours, e.g. {"深圳市": ("08:00", "20:00")}.
    city_call_hours: dict[str, tuple[str, str]] = field(
        default_factory=lambda: {"深圳市": ("08:00", "20:00")}
    )
    # Time zone by province (prefix, e.g. "新疆"); the rest of China keeps Asia/Shanghai.
    province_time_zones: dict[str, str] = field(default_factory=lambda: {"新疆": "Asia/Urumqi"})
    do_not_call_months: int = 6
    unanswered_per_day: int = 3
    attempts_per_renewal: int = 8
    # One cap over every channel's contacts (seat, agent, 4S shop) so nobody is harassed.
    contact_cap: int = 5
    contact_cap_days: int = 7
    renewal_calls_need_consent: bool = True  # a renewal call is a sales call (电话销售)
    lock_minutes: int = 15  # how long an opened task stays with the seat who opened it
    # Assignment.
    seat_daily_capacity: int = 40
    queue_horizon_days: int = 10  # a seat holds at most capacity × horizon open tasks
    # Priority: expected value of working a renewal = value at stake × contact lift.
    default_lift_k: Decimal = Decimal("0.6")  # lift(p) = k·p·(1−p) until history says more
    min_history_contacts: int = 200  # contacted renewals needed to trust the history estimate
    # Pricing coefficient range a seat may quote per tier (inside the regulatory band).
    tier_pricing_range: dict[str, tuple[str, str]] = field(
        default_factory=lambda: {
            "diamond": ("0.50", "1.00"),
            "platinum": ("0.55", "1.10"),
            "gold": ("0.65", "1.20"),
            "silver": ("0.75", "1.30"),
            "standard": ("0.85", "1.50"),
        }
    )
    # 交强险 region groups live in policies/compulsory.py (one table for the quote and the
    # generator).

    def by_province(self, table: dict[str, str], province: str, default: str) -> str:
        """Keys are province names without 省/市/自治区, matched as prefixes."""
        return next((v for k, v in table.items() if province.startswith(k)), default)


def _time(value: Any) -> dt.time:
    return dt.time.fromisoformat(value) if isinstance(value, str) else value


# Configured text → the field's type (times as "HH:MM", Decimals from numbers or text).
CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "call_start": _time,
    "call_end": _time,
    "default_lift_k": lambda value: Decimal(str(value)),
}


def renewal_settings() -> RenewalSettings:
    return as_dataclass(RenewalSettings, "RENEWALS", CONVERTERS)
