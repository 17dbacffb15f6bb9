"""Parameters of a value run, with documented defaults (docs/value.md).

Defaults can be overridden per deployment in ``settings.CARECIRCLE["VALUE"]`` (read through
``core.conf.as_dataclass``: unknown names are refused) and per run on the command line; the
values used are stored on the run record.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from carecircle.core.conf import as_dataclass

# Expense and commission as a share of premium, by channel.  The industry expense ratio is about
# 24% (DOMAIN.md); intermediated channels pay commission on top of fixed cost, direct ones less.
DEFAULT_EXPENSE_RATES: dict[str, float] = {
    "direct": 0.14,
    "online": 0.12,
    "telesales": 0.17,
    "agent": 0.26,
    "four_s_shop": 0.30,
    "repair_shop": 0.28,
    "used_car_dealer": 0.28,
    "intermediary": 0.27,
}


@dataclass(frozen=True)
class ValueParams:
    as_of: dt.date
    horizon_years: int = 5
    discount_rate: float = 0.06
    lookback_years: int = 3
    expense_rates: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_EXPENSE_RATES))
    default_expense_rate: float = 0.24
    # Bühlmann-style credibility on earned premium: Z = earned / (earned + k).
    credibility_premium: float = 15_000.0
    # Claims are capped at this amount in the credibility loss ratio, so one large claim does
    # not dominate a customer's experience (the excess is shared by the book).
    large_loss_cap: float = 50_000.0
    large_claim: float = 50_000.0
    small_claim: float = 5_000.0
    # Until the merchant alliance prices services, a service use is valued at this amount.
    service_unit_value: float = 150.0
    # Tier cut points on the lifetime-value rank (share of customers from the top).
    tier_cuts: tuple[float, float, float, float] = (0.05, 0.15, 0.35, 0.65)
    loyal_years: float = 5.0
    new_driver_years: float = 3.0
    grey_min_claims: int = 5
    grey_min_loss_ratio: float = 1.5
    black_min_claims: int = 8
    black_min_loss_ratio: float = 2.5
    list_expiry_days: int = 365

    def expense_rate(self, channel: str) -> float:
        return self.expense_rates.get(channel, self.default_expense_rate)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["as_of"] = self.as_of.isoformat()
        data["tier_cuts"] = list(self.tier_cuts)
        return data


def params_from_settings(as_of: dt.date, **overrides: Any) -> ValueParams:
    """Defaults ← settings.CARECIRCLE["VALUE"] ← explicit overrides (``None`` = not given);
    unknown names are refused (``ImproperlyConfigured``)."""
    return as_dataclass(ValueParams, "VALUE", {"tier_cuts": tuple}, as_of=as_of, **overrides)
