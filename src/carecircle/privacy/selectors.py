"""Reads for the privacy pages, with ``restrict`` applied.

``tier_in_words`` composes what a customer may know about their tier (PIPL Art 24): the tier
and why in plain words (``value.public.explain_tier``: no score, loss ratio or coefficient),
and what it changes for them — the services their tier adds (the alliance's packages), the
claims fast track, renewal pricing — each said in words.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from carecircle.alliance.models import EntitlementPackage
from carecircle.claims import rule_settings
from carecircle.claims.rules import fast_track_limit
from carecircle.core.access import Action
from carecircle.value import public as value

from .choices import RequestStatus
from .models import DataExport, PrivacyRequest

PAGE = 200


@dataclass(frozen=True)
class Change:
    key: str
    zh: str
    en: str
    items: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return f"{self.zh} / {self.en}"


@dataclass(frozen=True)
class TierWords:
    explanation: value.TierExplanation | None
    changes: list[Change]


def _services(tier: str) -> Change | None:
    rank = value.tier_rank(tier)
    names: list[str] = []
    for package in (
        EntitlementPackage.objects.filter(active=True)
        .exclude(min_tier="")
        .prefetch_related("items__product")
        .order_by("code")
    ):
        if value.tier_rank(package.min_tier) <= rank:
            for item in package.items.all():
                names.append(f"{item.product.name} × {item.quantity}")
    if not names:
        return Change(
            "services",
            "您的等级目前不附加额外服务；保单本身包含的服务照常提供",
            "your tier adds no extra services at the moment; the services your policy includes "
            "are given as usual",
        )
    return Change(
        "services",
        "您的等级每个保单年度附加以下服务(在“我的服务”中使用)",
        "your tier adds these services each policy year (use them under My services)",
        names,
    )


def _fast_track(tier: str) -> Change:
    policy = rule_settings.fast_track_policy()
    if tier not in policy.allowed_tiers:
        return Change(
            "fast_track",
            "小额理赔按一般流程处理(不走快赔)；赔付标准与其他客户相同",
            "small claims go the usual way (not the fast track); what is paid is the same as "
            "for anyone",
        )
    limit = f"¥{fast_track_limit(tier, policy):,.0f}"
    return Change(
        "fast_track",
        f"责任明确、金额不超过{limit}的小额理赔可走快赔，更快到账；赔付标准与其他客户相同",
        f"small claims with clear liability up to {limit} can take the fast track and are paid "
        "sooner; what is paid is the same as for anyone",
    )


RENEWAL = Change(
    "renewal",
    "续保时，等级可能影响我们能给您的价格优惠，始终在监管核定的范围之内",
    "at renewal, your tier may affect the discount we can offer, always within the range "
    "the regulator allows",
)
CLAIMS_SAME = Change(
    "claims",
    "等级不影响理赔是否赔付、赔多少，也不影响交强险的投保",
    "your tier never changes whether or how much a claim pays, nor your 交强险 (compulsory cover)",
)


def tier_in_words(customer_id: int) -> TierWords:
    explanation = value.explain_tier(customer_id)
    if explanation is None:
        return TierWords(None, [])
    changes = [
        c
        for c in (_services(explanation.tier), _fast_track(explanation.tier), RENEWAL, CLAIMS_SAME)
        if c is not None
    ]
    return TierWords(explanation, changes)


def my_requests(user: Any) -> list[PrivacyRequest]:
    return list(
        PrivacyRequest.objects.restrict(user)
        .select_related("export")
        .order_by("-received_at", "-pk")[:50]
    )


def my_exports(user: Any) -> list[DataExport]:
    return list(DataExport.objects.restrict(user).order_by("-pk")[:10])


def queue(user: Any, status: str, today: dt.date) -> list[PrivacyRequest]:
    qs = PrivacyRequest.objects.restrict(user, Action.CHANGE).select_related(
        "customer", "escalated_to", "answered_by"
    )
    if status == "overdue":
        qs = qs.overdue(today)
    elif status in RequestStatus.values:
        qs = qs.filter(status=status)
    order = ("due_on", "pk") if status != RequestStatus.ANSWERED else ("-answered_at", "-pk")
    return list(qs.order_by(*order)[:PAGE])


def overdue_count(user: Any, today: dt.date) -> int:
    return PrivacyRequest.objects.restrict(user, Action.CHANGE).overdue(today).count()
