"""The facts screening (审核) decides on: the policy's continuous cover and cover increases,
earlier claims at the same shop, the customer's tier and the admin rules, turned into the
fraud signals and the fast-track refusals of the pure rules. Several queries, so screening
runs in a task after the report commits (``services.screening``), never in the report
request."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from carecircle.core import handoff
from carecircle.core.handoff import Question
from carecircle.core.money import ZERO
from carecircle.parties.models import list_flag
from carecircle.policies.models import Coverage, Policy

from .. import conf, rule_settings, rules
from ..choices import FlagStatus
from ..models import Claim


def tier(customer_id: int) -> str:
    """The customer's current tier, asked of the value engine (carecircle.flows)."""
    return handoff.ask(Question.CUSTOMER_TIER, customer_id=customer_id)


def cover_increased_on(policy: Policy) -> dt.date | None:
    """The policy's start when its vehicle-damage limit is higher than the renewed policy's."""
    if policy.renews_id is None:
        return None
    limits = dict(
        Coverage.objects.filter(
            policy_id__in=(policy.pk, policy.renews_id), code="vehicle_damage"
        ).values_list("policy_id", "limit")
    )
    now, before = limits.get(policy.pk), limits.get(policy.renews_id)
    if now is not None and before is not None and now > before:
        return policy.effective_date
    return None


MAX_RENEWAL_LINKS = 10


def continuous_cover_since(policy: Policy, max_links: int = MAX_RENEWAL_LINKS) -> dt.date:
    """The start of the policy's unbroken renewal chain: walk ``renews`` back while each
    predecessor's cover reaches the successor's start (expiry is exclusive, so a renewal starts
    on its predecessor's expiry date; a predecessor cancelled before then breaks the chain).
    At most ``max_links`` predecessors are read. A genuinely new policy gives its own start, so
    "soon after inception" is about the customer's first day of cover, not each renewal's."""
    since = policy.effective_date
    current = policy
    for _ in range(max_links):
        if current.renews_id is None:
            break
        before = (
            Policy.objects.filter(pk=current.renews_id)
            .only("pk", "renews_id", "effective_date", "expiry_date", "cancelled_on")
            .first()
        )
        if before is None or before.expiry_date < current.effective_date:
            break  # a gap: the cover lapsed between the two
        if before.cancelled_on is not None and before.cancelled_on < current.effective_date:
            break
        since = min(since, before.effective_date)
        current = before
    return since


def thresholds() -> tuple[Decimal, ...]:
    ft = rule_settings.fast_track_policy()
    limits = [a.limit for a in rule_settings.authority_ladder() if a.limit is not None]
    return tuple(sorted({ft.max_amount, *ft.tier_max_amounts.values(), *limits}))


def fraud_signals(claim: Claim, amount: Decimal) -> list[tuple[str, str]]:
    same_shop = 0
    if claim.repair_shop_id:
        since = claim.accident_at - dt.timedelta(days=conf.get("SAME_SHOP_DAYS"))
        same_shop = (
            Claim.objects.filter(
                policy__customer_id=claim.policy.customer_id,
                repair_shop_id=claim.repair_shop_id,
                accident_at__gte=since,
            )
            .exclude(pk=claim.pk)
            .count()
        )
    facts = rules.FraudFacts(
        accident_at=timezone.localtime(claim.accident_at),
        policy_effective=continuous_cover_since(claim.policy),
        cover_increased_on=cover_increased_on(claim.policy),
        single_vehicle=claim.single_vehicle,
        amount=amount,
        thresholds=thresholds(),
        same_shop_claims=same_shop,
    )
    return rules.fraud_signals(facts, rule_settings.fraud_settings())


def fast_track_refusals(claim: Claim, amount: Decimal | None = None) -> list[str]:
    facts = rules.FastTrackFacts(
        amount=amount if amount is not None else (claim.customer_estimate or ZERO),
        injury=claim.injury,
        liability_clear=claim.liability_clear,
        open_flags=claim.flags.filter(status=FlagStatus.OPEN).count(),
        tier=tier(claim.policy.customer_id),
    )
    refusals = rules.fast_track_refusals(facts, rule_settings.fast_track_policy())
    flag = list_flag(claim.policy.customer_id)
    if flag is not None:  # a grey or black list entry in force: no fast track (#16)
        refusals.append(flag.fast_track_refusal())
    return refusals
