"""The admin-edited rules (fast track, approval authority) are read once per process and
re-read as soon as a rule is saved or deleted through the model (as the admin does)."""

from decimal import Decimal as D

import pytest

from carecircle.claims import rule_settings, rulecache
from carecircle.claims.models import ApprovalAuthority, FastTrackRule

pytestmark = pytest.mark.django_db


def test_rules_are_read_once_and_a_saved_rule_applies_at_once(django_assert_num_queries):
    assert rule_settings.fast_track_policy().max_amount == D("5000.00")
    assert rule_settings.authority_ladder()[0].limit == D("50000.00")
    with django_assert_num_queries(0):
        rule_settings.fast_track_policy()
        rule_settings.authority_ladder()
    rule = FastTrackRule.objects.get()
    rule.max_amount = D("8000.00")
    rule.save()
    assert rule_settings.fast_track_policy().max_amount == D("8000.00")


def test_a_deleted_authority_row_applies_at_once():
    before = [a.role for a in rule_settings.authority_ladder()]
    assert before == ["claims_approver", "manager"]
    ApprovalAuthority.objects.get(role="claims_approver").delete()
    assert [a.role for a in rule_settings.authority_ladder()] == ["manager"]


def test_the_cache_expires_so_other_processes_see_a_change(monkeypatch):
    rule_settings.fast_track_policy()
    FastTrackRule.objects.update(max_amount=D("6000.00"))  # another process: no save() here
    assert rule_settings.fast_track_policy().max_amount == D("5000.00")
    clock = rulecache.time.monotonic() + rulecache.TTL_SECONDS + 1
    monkeypatch.setattr(rulecache.time, "monotonic", lambda: clock)
    assert rule_settings.fast_track_policy().max_amount == D("6000.00")
