"""Fast-track eligibility and fraud signals."""

import datetime as dt
from decimal import Decimal

from carecircle.claims import rules

FT = rules.FastTrackPolicy(
    Decimal("5000"),
    frozenset({"gold", "silver", "standard", "diamond"}),
    {"diamond": Decimal("10000")},
)


def test_fast_track_needs_small_amount_no_injury_clear_liability_no_flags_allowed_tier():
    ok = rules.FastTrackFacts(Decimal("5000"), False, True, 0, "gold")
    assert rules.fast_track_refusals(ok, FT) == []
    bad = rules.FastTrackFacts(Decimal("5000.01"), True, False, 2, "platinum")
    assert len(rules.fast_track_refusals(bad, FT)) == 5


def test_a_tier_entitlement_widens_the_fast_track():
    diamond = rules.FastTrackFacts(Decimal("9000"), False, True, 0, "diamond")
    gold = rules.FastTrackFacts(Decimal("9000"), False, True, 0, "gold")
    assert rules.fast_track_refusals(diamond, FT) == []
    assert len(rules.fast_track_refusals(gold, FT)) == 1


def test_fraud_signals_carry_reasons():
    facts = rules.FraudFacts(
        accident_at=dt.datetime(2026, 3, 1, 23, 30),
        policy_effective=dt.date(2026, 2, 20),
        cover_increased_on=None,
        single_vehicle=True,
        amount=Decimal("4900"),
        thresholds=(Decimal("5000"), Decimal("50000")),
        same_shop_claims=3,
    )
    codes = [c for c, _ in rules.fraud_signals(facts, rules.FraudSettings())]
    assert codes == [
        "soon_after_inception",
        "night_single_vehicle",
        "repeated_shop",
        "just_under_threshold",
    ]
    quiet = rules.FraudFacts(
        dt.datetime(2026, 3, 1, 14), dt.date(2025, 6, 1), None, True, Decimal("3000"),
        (Decimal("5000"),), 0,
    )  # fmt: skip
    assert rules.fraud_signals(quiet, rules.FraudSettings()) == []
