"""Approval authority (核赔权限): who may approve how much, and where a claim above one's limit
is escalated. Pure; the ladder comes from the admin rules or settings (rule_settings)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Authority:
    role: str
    limit: Decimal | None  # None: no limit
    level: int


def may_approve(amount: Decimal, role: str, ladder: Sequence[Authority]) -> bool:
    for a in ladder:
        if a.role == role:
            return a.limit is None or amount <= a.limit
    return False


def escalation_target(amount: Decimal, role: str, ladder: Sequence[Authority]) -> str | None:
    """The lowest level above ``role`` whose limit covers ``amount``."""
    mine = next((a.level for a in ladder if a.role == role), -1)
    for a in sorted(ladder, key=lambda a: a.level):
        if a.level > mine and (a.limit is None or amount <= a.limit):
            return a.role
    return None
