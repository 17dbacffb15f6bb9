"""The policy period and the time bar for a report."""

import datetime as dt

import pytest

from carecircle.claims import rules
from carecircle.core.errors import DomainError


def test_an_accident_before_inception_is_refused_with_the_dates():
    with pytest.raises(DomainError) as e:
        rules.check_policy_covers(
            dt.date(2025, 5, 31), dt.date(2025, 6, 1), dt.date(2026, 6, 1), None,
            dt.date(2025, 6, 2), 730,
        )  # fmt: skip
    assert e.value.code == "before_inception"
    assert "2025-05-31" in e.value.message and "2025-06-01" in e.value.message


def test_an_accident_on_the_expiry_day_or_after_cancellation_is_on_a_lapsed_policy():
    with pytest.raises(DomainError) as e:
        rules.check_policy_covers(
            dt.date(2026, 6, 1), dt.date(2025, 6, 1), dt.date(2026, 6, 1), None,
            dt.date(2026, 6, 1), 730,
        )  # fmt: skip
    assert e.value.code == "policy_lapsed"
    assert "from 2025-06-01 to 2026-06-01" in e.value.message
    with pytest.raises(DomainError) as e:
        rules.check_policy_covers(
            dt.date(2026, 2, 1), dt.date(2025, 6, 1), dt.date(2026, 6, 1), dt.date(2026, 1, 15),
            dt.date(2026, 2, 1), 730,
        )  # fmt: skip
    assert "to 2026-01-15" in e.value.message


def test_reports_more_than_two_years_after_the_accident_are_time_barred():
    with pytest.raises(DomainError) as e:
        rules.check_policy_covers(
            dt.date(2024, 1, 10), dt.date(2023, 6, 1), dt.date(2024, 6, 1), None,
            dt.date(2026, 1, 11), 730,
        )  # fmt: skip
    assert e.value.code == "time_barred"
