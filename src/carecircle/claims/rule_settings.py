"""The pure rules' settings objects (calendar, clock settings, compulsory limits, approval
authority ladder, fast-track policy, fraud settings), built from the deployment's settings
(``conf``) and the rules an administrator edits (``ApprovalAuthority``, ``FastTrackRule``,
cached per process by ``rulecache``)."""

from __future__ import annotations

from decimal import Decimal

from carecircle.core.calendar import WorkCalendar
from carecircle.core.money import to_money
from carecircle.core.workdays import work_calendar

from . import conf, rulecache, rules
from .models import ApprovalAuthority, FastTrackRule
from .rules.adjustment import CompulsoryLimits


def calendar() -> WorkCalendar:
    """The work calendar from the loaded holiday schedules (``carecircle calendar load``)."""
    return work_calendar()


def clock_settings() -> rules.ClockSettings:
    return rules.ClockSettings(
        decision_days=conf.get("DECISION_DAYS"),
        payment_days=conf.get("PAYMENT_DAYS"),
        rejection_notice_days=conf.get("REJECTION_NOTICE_DAYS"),
        advance_days=conf.get("ADVANCE_PAYMENT_DAYS"),
        warning_days=conf.get("WARNING_DAYS"),
        promise_bands=tuple(
            (None if upper is None else Decimal(str(upper)), int(days))
            for upper, days in conf.get("PROMISE_BANDS")
        ),
        injury_promise_days=conf.get("INJURY_PROMISE_DAYS"),
    )


def compulsory_limits() -> tuple[CompulsoryLimits, CompulsoryLimits]:
    limits = conf.get("COMPULSORY_LIMITS")
    return tuple(  # type: ignore[return-value]
        CompulsoryLimits(
            death_disability=to_money(limits[k]["death_disability"]),
            medical=to_money(limits[k]["medical"]),
            property=to_money(limits[k]["property"]),
        )
        for k in ("at_fault", "not_at_fault")
    )


def _authority_rows() -> list[rules.Authority]:
    return [
        rules.Authority(r.role, r.limit, r.level)
        for r in ApprovalAuthority.objects.order_by("level")
    ]


def authority_ladder() -> list[rules.Authority]:
    rows = rulecache.cached("authority", _authority_rows)
    if rows:
        return list(rows)
    return [
        rules.Authority(role, None if limit is None else to_money(limit), level)
        for level, (role, limit) in enumerate(conf.get("APPROVAL_LIMITS"), start=1)
    ]


def fast_track_policy() -> rules.FastTrackPolicy:
    return rulecache.cached("fast_track", _fast_track_policy)


def _fast_track_policy() -> rules.FastTrackPolicy:
    rule = FastTrackRule.objects.filter(active=True).order_by("-updated_at", "-pk").first()
    if rule is None:
        return rules.FastTrackPolicy(
            Decimal("5000.00"),
            frozenset({"diamond", "platinum", "gold", "silver", "standard"}),
            {},
        )
    return rules.FastTrackPolicy(
        rule.max_amount,
        frozenset(rule.allowed_tiers or []),
        {k: to_money(v) for k, v in (rule.tier_max_amounts or {}).items()},
        rule.require_clear_liability,
    )


def fraud_settings() -> rules.FraudSettings:
    start, end = conf.get("NIGHT_HOURS")
    return rules.FraudSettings(
        early_days=conf.get("EARLY_CLAIM_DAYS"),
        same_shop_claims=conf.get("SAME_SHOP_CLAIMS"),
        night_hours=(int(start), int(end)),
        just_under_share=Decimal(str(conf.get("JUST_UNDER_SHARE"))),
    )
