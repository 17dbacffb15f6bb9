"""Pure claims decisions, no database access; settings come in as arguments (``rule_settings``
builds them). One module per question:

- ``workflow``: the state machine (``STEPS``), the main line, from-state and reason checks;
- ``reporting``: the policy period and the time bar for a report;
- ``clocks``: the service promise and the legal clocks (counted by ``claims.clocks``);
- ``approval``: authority limits and escalation;
- ``screening``: fast-track eligibility and fraud signals;
- ``adjustment`` (理算), ``calculator`` (“should I claim?”), ``uploads`` (file checks).

The names below are the package's public surface: ``rules.STEPS``, ``rules.evaluate_clocks``….
"""

from .approval import Authority, escalation_target, may_approve
from .clocks import (
    ClockFacts,
    ClockResult,
    ClockSettings,
    evaluate_clocks,
    promise_days,
)
from .reporting import check_policy_covers
from .screening import (
    FastTrackFacts,
    FastTrackPolicy,
    FraudFacts,
    FraudSettings,
    fast_track_limit,
    fast_track_refusals,
    fraud_signals,
)
from .workflow import (
    DECIDABLE,
    MAIN_LINE,
    PRE_PAYMENT,
    SHOP_ACTIONS,
    STATUS_CHANGES,
    STEPS,
    Step,
    allowed_actions,
    check_transition,
    require_reason,
)

__all__ = [
    "DECIDABLE",
    "MAIN_LINE",
    "PRE_PAYMENT",
    "SHOP_ACTIONS",
    "STATUS_CHANGES",
    "STEPS",
    "Authority",
    "ClockFacts",
    "ClockResult",
    "ClockSettings",
    "FastTrackFacts",
    "FastTrackPolicy",
    "FraudFacts",
    "FraudSettings",
    "Step",
    "allowed_actions",
    "check_policy_covers",
    "check_transition",
    "escalation_target",
    "evaluate_clocks",
    "fast_track_limit",
    "fast_track_refusals",
    "fraud_signals",
    "may_approve",
    "promise_days",
    "require_reason",
]
