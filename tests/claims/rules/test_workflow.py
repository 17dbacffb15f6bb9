"""The transition table: out-of-order steps refused with the allowed next ones, the main line,
written reasons."""

import pytest

from carecircle.claims import rules
from carecircle.claims.choices import Action, ClaimStatus
from carecircle.core.errors import DomainError

S = ClaimStatus


def test_a_transition_out_of_order_is_refused_with_the_allowed_next_steps():
    with pytest.raises(DomainError) as e:
        rules.check_transition(Action.APPROVE, S.REPORTED, injury=False)
    assert e.value.code == "transition_not_allowed"
    assert e.value.status == 409
    assert "allowed next steps: dispatch (调度 / Dispatch), withdraw (撤案 / Withdraw)" in str(
        e.value
    )


def test_the_main_line_runs_report_to_close_and_injuries_go_through_injury_handling():
    assert rules.allowed_actions(S.ASSESSED, injury=False) == [
        Action.CHECK_LOSS,
        Action.WITHDRAW,
        Action.REJECT,
    ]
    assert rules.allowed_actions(S.ASSESSED, injury=True) == [
        Action.START_INJURY,
        Action.WITHDRAW,
        Action.REJECT,
    ]
    with pytest.raises(DomainError):
        rules.check_transition(Action.CHECK_LOSS, S.ASSESSED, injury=True)
    assert rules.allowed_actions(S.PAID, False) == [Action.FOLLOW_UP]
    assert rules.allowed_actions(S.CLOSED, False) == [Action.REOPEN]


def test_reopen_withdraw_and_reject_need_a_written_reason():
    for action in (Action.REOPEN, Action.WITHDRAW, Action.REJECT):
        with pytest.raises(DomainError) as e:
            rules.require_reason(action, "  ")
        assert e.value.code == "reason_required"
    assert rules.require_reason(Action.REJECT, " 非保险责任：酒驾 ") == "非保险责任：酒驾"
