"""What other apps may read of customer value: the one door into ``value`` (ADR 0012).

Renewals, the alliance, claims (through ``core.handoff``) and the read models ask here instead
of reading ``CustomerValue`` or tier rows themselves, so the value engine may change how it
stores results without reaching into other apps.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from . import reasons
from .models import CustomerValue, ListEntry, Tier, TierHistory, ValueRun
from .models.tiers import TIER_RANKS, TIERS_BY_RANK
from .reasons import Reason

__all__ = [
    "TIERS_BY_RANK",
    "TIER_RANKS",
    "Reason",
    "Tier",
    "TierExplanation",
    "current_run",
    "current_tier",
    "current_value",
    "current_values",
    "explain_tier",
    "list_entries",
    "plain_reasons",
    "reasons_for",
    "tier_history",
    "tier_rank",
]


def current_tier(customer_id: int) -> str:
    """The customer's tier in the current value run; "" when the customer is not yet valued."""
    return (
        CustomerValue.objects.current()
        .filter(customer_id=customer_id)
        .values_list("tier", flat=True)
        .first()
        or ""
    )


def tier_rank(tier: str) -> int:
    """4 for diamond down to 0 for standard (so "one step" is arithmetic)."""
    return TIER_RANKS[tier]


def current_value(customer_id: int, user: Any) -> CustomerValue | None:
    """The customer's figures in the current run (tier, renewal probability, lifetime value,
    reason codes, …) as ``user`` may see them (``restrict``); None when the customer is not
    valued yet or out of ``user``'s reach."""
    return CustomerValue.objects.restrict(user).current().filter(customer_id=customer_id).first()


def reasons_for(value: CustomerValue) -> list[Reason]:
    """The row's reason codes as bilingual sentences, in the engine's order (``reasons``:
    the words for each code live beside the engine that writes the codes)."""
    return reasons.render(value)


def current_values() -> QuerySet[CustomerValue]:
    """Every customer's figures in the current run (for set-based reads: sorting renewals,
    issuing entitlements); callers that reach a user add ``restrict``."""
    return CustomerValue.objects.current()


def current_run() -> ValueRun | None:
    return ValueRun.objects.filter(is_current=True).first()


# ---- the customer's own view (PIPL Art 24): plain words, no internal figures ------------------
# The staff sentences (``reasons``) quote loss ratios, lifetime values and percentiles; the
# customer is told *what* was considered, never the company's figures about them.

PLAIN_REASONS: dict[str, tuple[str, str]] = {
    "new_customer": ("您在我们这里投保不满一年", "you have been with us for less than a year"),
    "loss_ratio": (
        "我们看了您近三年的理赔情况",
        "we looked at your claims over the last three years",
    ),
    "lifetime_value": (
        "我们看了您在我们这里投保和续保的记录",
        "we looked at the policies you have held and renewed with us",
    ),
    "loss_making": (
        "近年来您的理赔金额高于所交保费",
        "in recent years your claims have cost more than your premiums",
    ),
    "no_cover": ("您目前没有有效保单", "you have no policy in force at the moment"),
    "person_approved": ("您的等级由工作人员复核后确定", "a person reviewed and decided your tier"),
    "loyal_large_claim": (
        "您是老客户，去年有一次较大的人伤赔案：等级保持不变，由工作人员复核",
        "you are a loyal customer with one large injury claim last year: your tier is kept "
        "and a person reviews it",
    ),
    "step_limited": (
        "等级每年最多调整一级，变化由工作人员复核",
        "a tier moves at most one step a year, and a person reviews the change",
    ),
    "improving": ("您的理赔在减少、金额也小", "your claims are getting fewer and smaller"),
    "list_grey": (
        "您的理赔记录正由工作人员审核",
        "a person is reviewing your claims record",
    ),
    "list_black": (
        "您的理赔记录正由工作人员审核",
        "a person is reviewing your claims record",
    ),
}
UNKNOWN_REASON = ("我们综合考虑了您的保单和理赔记录", "we considered your policies and claims")


def plain_reasons(codes: str) -> list[Reason]:
    """Reason codes (comma-separated) in words a customer reads: what was considered, no
    figure. Tenure is the customer's own fact (years with us) and is said; an unknown code
    reads as a general sentence, said once."""
    out: list[Reason] = []
    for code in [c.strip() for c in (codes or "").split(",") if c.strip()]:
        if code == "tenure":
            continue  # said from the row's own years below (``explain_tier``)
        zh, en = PLAIN_REASONS.get(code, UNKNOWN_REASON)
        if all(r.zh != zh for r in out):
            out.append(Reason(code, zh, en))
    return out


@dataclass(frozen=True)
class TierExplanation:
    tier: str
    zh: str
    en: str
    since: dt.date | None
    decided_by_person: bool
    reasons: list[Reason]


def explain_tier(customer_id: int) -> TierExplanation | None:
    """The customer's tier in the current run, since when, whether a person decided it, and
    why in plain words; None when the customer is not valued yet."""
    value = (
        CustomerValue.objects.current()
        .filter(customer_id=customer_id)
        .only("tier", "reasons", "tenure_years")
        .first()
    )
    if value is None:
        return None
    last = TierHistory.objects.filter(customer_id=customer_id, tier=value.tier).first()
    said = plain_reasons(value.reasons)
    if "tenure" in reasons.codes(value) and value.tenure_years is not None:
        n = reasons.years(value.tenure_years)
        said.insert(
            0,
            Reason(
                "tenure", f"您在我们这里投保{n}年", f"{n} year{'s' if n != '1' else ''} with us"
            ),
        )
    zh, en = reasons.tier_names(value.tier)
    by_person = last is not None and last.decided_by_id is not None
    return TierExplanation(value.tier, zh, en, last.as_of if last else None, by_person, said)


def tier_history(customer_id: int) -> list[dict[str, Any]]:
    """Every tier decision about the customer, newest first, as plain data (the data export)."""
    return [
        {
            "as_of": h.as_of.isoformat(),
            "tier": h.tier,
            "previous_tier": h.previous_tier,
            "decided_by": "person" if h.decided_by_id else "rules",
            "reasons": [r.text for r in plain_reasons(h.reasons)],
        }
        for h in TierHistory.objects.filter(customer_id=customer_id).order_by("-as_of", "-id")
    ]


def list_entries(customer_id: int) -> list[dict[str, Any]]:
    """The customer's grey/black list entries as plain data (the data export): each one's
    list, status, dates and the reasons in plain words."""
    return [
        {
            "list": e.kind,
            "status": e.status,
            "proposed_at": e.proposed_at.isoformat(),
            "decided_at": e.decided_at.isoformat() if e.decided_at else None,
            "expires_on": e.expires_on.isoformat() if e.expires_on else None,
            "reasons": [r.text for r in plain_reasons(e.reasons)],
            "appeal": e.appeal_text,
        }
        for e in ListEntry.objects.filter(customer_id=customer_id).order_by("-proposed_at")
    ]
