"""Screening a claim (审核): fraud and leakage signals raise review flags, and the fast-track
rule is checked. It reads the policy's history, the customer's tier and the admin rules, so it
runs in a task after the report commits (``tasks.screen_claim``), never in the report request."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from carecircle.core import clock
from carecircle.core.money import ZERO
from carecircle.policies.models import Policy

from . import conf, rules
from . import settings_view as sv
from .choices import Action, FlagStatus
from .models import Claim, ClaimFlag
from .timeline import record


def tier(customer_id: int) -> str:
    from carecircle.value.models import CustomerValue

    return (
        CustomerValue.objects.current()
        .filter(customer_id=customer_id)
        .values_list("tier", flat=True)
        .first()
        or ""
    )


def cover_increased_on(policy: Policy) -> dt.date | None:
    """The policy's start when its vehicle-damage limit is higher than the renewed policy's."""
    if policy.renews_id is None:
        return None
    from carecircle.policies.models import Coverage

    limits = dict(
        Coverage.objects.filter(
            policy_id__in=(policy.pk, policy.renews_id), code="vehicle_damage"
        ).values_list("policy_id", "limit")
    )
    now, before = limits.get(policy.pk), limits.get(policy.renews_id)
    if now is not None and before is not None and now > before:
        return policy.effective_date
    return None


def raise_flags(claim: Claim, signals: list[tuple[str, str]]) -> int:
    """One open flag per signal and claim (unique constraint); repeats are ignored."""
    if not signals:
        return 0
    have = set(ClaimFlag.objects.filter(claim=claim).values_list("code", flat=True))
    raised = 0
    for code, reason in signals:
        if code in have:
            continue
        ClaimFlag.objects.create(claim=claim, code=code, reason=reason, raised_at=clock.now())
        record(claim, Action.FLAG, claim.status, None, reason, code=code)
        raised += 1
    return raised


def thresholds() -> tuple[Decimal, ...]:
    ft = sv.fast_track_policy()
    limits = [a.limit for a in sv.authority_ladder() if a.limit is not None]
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
        policy_effective=claim.policy.effective_date,
        cover_increased_on=cover_increased_on(claim.policy),
        single_vehicle=claim.single_vehicle,
        amount=amount,
        thresholds=thresholds(),
        same_shop_claims=same_shop,
    )
    return rules.fraud_signals(facts, sv.fraud_settings())


def fast_track_refusals(claim: Claim, amount: Decimal | None = None) -> list[str]:
    facts = rules.FastTrackFacts(
        amount=amount if amount is not None else (claim.customer_estimate or ZERO),
        injury=claim.injury,
        liability_clear=claim.liability_clear,
        open_flags=claim.flags.filter(status=FlagStatus.OPEN).count(),
        tier=tier(claim.policy.customer_id),
    )
    return rules.fast_track_refusals(facts, sv.fast_track_policy())
