"""Pure complaint and survey rules (hypothesis where the input space is wide)."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from carecircle.touchpoints import conf, rules
from carecircle.touchpoints.choices import ComplaintCategory, ComplaintChannel, Severity

ORDER = [Severity.LOW, Severity.NORMAL, Severity.HIGH, Severity.CRITICAL]


@given(
    st.sampled_from(Severity.values),
    st.sampled_from(ComplaintCategory.values),
    st.sampled_from(ComplaintChannel.values),
)
def test_severity_is_never_lowered_and_hot_spots_are_at_least_high(severity, category, channel):
    high_categories, high_channels = conf.get("HIGH_CATEGORIES"), conf.get("HIGH_CHANNELS")
    result = rules.effective_severity(severity, category, channel, high_categories, high_channels)
    assert ORDER.index(Severity(result)) >= ORDER.index(Severity(severity))
    if category in high_categories or channel in high_channels:
        assert ORDER.index(Severity(result)) >= ORDER.index(Severity.HIGH)
    else:
        assert result == severity


def test_the_workflow_table_allows_exactly_these_steps():
    assert rules.TRANSITIONS == {
        ("received", "start"): "in_progress",
        ("reopened", "start"): "in_progress",
        ("received", "resolve"): "resolved",
        ("in_progress", "resolve"): "resolved",
        ("reopened", "resolve"): "resolved",
        ("resolved", "confirm"): "closed",
        ("resolved", "reject"): "reopened",
        ("resolved", "close"): "closed",
    }
    assert rules.next_status("closed", "start") is None


@given(st.lists(st.integers(0, 10), min_size=1, max_size=200))
def test_nps_is_promoters_minus_detractors_between_minus_100_and_100(scores):
    value = rules.nps(scores)
    promoters = sum(s >= 9 for s in scores)
    detractors = sum(s <= 6 for s in scores)
    assert value == (Decimal(promoters - detractors) * 100 / len(scores)).quantize(Decimal("0.1"))
    assert Decimal(-100) <= value <= Decimal(100)


def test_the_regulators_rates():
    assert rules.per_10k_policies(3, 20_000) == Decimal("1.50")
    assert rules.per_100m_premium(3, Decimal("50000000")) == Decimal("6.00")
    assert rules.per_10k_policies(3, 0) is None
    assert rules.per_100m_premium(1, Decimal(0)) is None
