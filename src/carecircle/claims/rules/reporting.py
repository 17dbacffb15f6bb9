"""Reporting a claim (报案): the accident must fall in the policy period and the report come
within the time bar. Pure."""

from __future__ import annotations

import datetime as dt

from carecircle.core.errors import DomainError


def check_policy_covers(
    accident_on: dt.date,
    effective: dt.date,
    expiry: dt.date,
    cancelled_on: dt.date | None,
    reported_on: dt.date,
    time_bar_days: int,
) -> None:
    """The accident must fall inside the policy period (expiry exclusive, cancellation ends it)
    and the report must come within the time bar (Art 26). Refusals name the dates."""
    end = min(expiry, cancelled_on) if cancelled_on else expiry
    if accident_on < effective:
        raise DomainError(
            "before_inception",
            f"出险日 {accident_on} 早于保单起保日 {effective} / the accident on {accident_on} is "
            f"before the policy started on {effective}",
            "accident_at",
        )
    if accident_on >= end:
        raise DomainError(
            "policy_lapsed",
            f"出险日 {accident_on} 保单已失效(保险期间 {effective} 至 {end} 零时) / the policy "
            f"had lapsed on {accident_on}: cover ran from {effective} to {end} (00:00)",
            "accident_at",
        )
    if accident_on > reported_on:
        raise DomainError(
            "accident_in_future",
            "出险时间不能晚于报案时间 / the accident cannot be after the report",
            "accident_at",
        )
    if (reported_on - accident_on).days > time_bar_days:
        raise DomainError(
            "time_barred",
            f"出险 {accident_on} 已超过诉讼时效({time_bar_days} 天) / reported more than "
            f"{time_bar_days} days after the accident on {accident_on} (time-barred)",
            "accident_at",
        )
