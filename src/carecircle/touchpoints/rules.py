"""Pure decisions for complaints and surveys (no database)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from .choices import ComplaintStatus, Severity

SEVERITY_ORDER = (Severity.LOW, Severity.NORMAL, Severity.HIGH, Severity.CRITICAL)

# (from, action) → to: the complaint workflow, one table.
TRANSITIONS: dict[tuple[str, str], str] = {
    (ComplaintStatus.RECEIVED, "start"): ComplaintStatus.IN_PROGRESS,
    (ComplaintStatus.REOPENED, "start"): ComplaintStatus.IN_PROGRESS,
    (ComplaintStatus.RECEIVED, "resolve"): ComplaintStatus.RESOLVED,
    (ComplaintStatus.IN_PROGRESS, "resolve"): ComplaintStatus.RESOLVED,
    (ComplaintStatus.REOPENED, "resolve"): ComplaintStatus.RESOLVED,
    (ComplaintStatus.RESOLVED, "confirm"): ComplaintStatus.CLOSED,
    (ComplaintStatus.RESOLVED, "reject"): ComplaintStatus.REOPENED,
    (ComplaintStatus.RESOLVED, "close"): ComplaintStatus.CLOSED,
}


def next_status(status: str, action: str) -> str | None:
    return TRANSITIONS.get((status, action))


def effective_severity(
    severity: str, category: str, channel: str, high_categories, high_channels
) -> str:
    """Regulatory hot spots are at least high, whatever the person recording chose."""
    hot = category in high_categories or channel in high_channels
    if hot and SEVERITY_ORDER.index(Severity(severity)) < SEVERITY_ORDER.index(Severity.HIGH):
        return Severity.HIGH
    return severity


def due_at(received_at: dt.datetime, severity: str, hours_by_severity: dict[str, int]):
    return received_at + dt.timedelta(hours=hours_by_severity[severity])


def may_close_unconfirmed(resolved_at: dt.datetime | None, now: dt.datetime, days: int) -> bool:
    return resolved_at is not None and now >= resolved_at + dt.timedelta(days=days)


def per_10k_policies(complaints: int, policies: int) -> Decimal | None:
    """The regulator's 万张保单投诉量."""
    if not policies:
        return None
    return (Decimal(complaints) * 10000 / policies).quantize(Decimal("0.01"))


def per_100m_premium(complaints: int, premium: Decimal) -> Decimal | None:
    """The regulator's 亿元保费投诉量 (premium in yuan)."""
    if not premium:
        return None
    return (Decimal(complaints) * Decimal(100_000_000) / Decimal(premium)).quantize(Decimal("0.01"))


def nps(scores: list[int]) -> Decimal | None:
    """Net promoter score: % promoters (9–10) − % detractors (0–6)."""
    if not scores:
        return None
    promoters = sum(1 for s in scores if s >= 9)
    detractors = sum(1 for s in scores if s <= 6)
    return (Decimal(promoters - detractors) * 100 / len(scores)).quantize(Decimal("0.1"))
