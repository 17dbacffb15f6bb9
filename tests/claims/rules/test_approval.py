"""Approval authority by amount and role, and escalation."""

from decimal import Decimal

from carecircle.claims import rules

LADDER = [
    rules.Authority("claims_approver", Decimal("50000"), 1),
    rules.Authority("manager", None, 2),
]


def test_approval_authority_by_amount_and_role_escalates_to_the_next_level():
    assert rules.may_approve(Decimal("50000"), "claims_approver", LADDER)
    assert not rules.may_approve(Decimal("50000.01"), "claims_approver", LADDER)
    assert rules.escalation_target(Decimal("80000"), "claims_approver", LADDER) == "manager"
    assert rules.may_approve(Decimal("9999999"), "manager", LADDER)
    assert not rules.may_approve(Decimal("1"), "claims_handler", LADDER)
