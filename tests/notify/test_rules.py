"""The pure notify rules, checked over many inputs (hypothesis)."""

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from carecircle.notify import rules

SHANGHAI = ZoneInfo("Asia/Shanghai")
moments = st.datetimes(
    min_value=dt.datetime(2024, 1, 1),
    max_value=dt.datetime(2028, 12, 31),
    timezones=st.just(SHANGHAI),
)
hours = st.integers(min_value=0, max_value=23)


@given(moments, hours, hours)
def test_a_deferred_message_goes_at_the_end_of_the_quiet_hours_never_inside_them(
    moment, start, end
):
    when = rules.quiet_hours_end(moment, SHANGHAI, (start, end))
    inside = rules.in_quiet_hours(moment, (start, end))
    assert (when is None) == (not inside)
    if when is not None:
        assert moment < when <= moment + dt.timedelta(hours=24)
        assert (when.hour, when.minute, when.second) == (end, 0, 0)
        assert not rules.in_quiet_hours(when, (start, end))


def gates(purpose):
    return st.builds(
        rules.Gate,
        purpose=purpose,
        marketing_consent=st.booleans(),
        do_not_call_until=st.none() | st.dates(dt.date(2026, 1, 1), dt.date(2027, 1, 1)),
        unsubscribed=st.booleans(),
        sent_today=st.integers(0, 5),
        marketing_this_week=st.integers(0, 5),
        daily_cap=st.integers(0, 5),
        weekly_marketing_cap=st.integers(0, 5),
    )


@given(gates(st.just("marketing")))
def test_marketing_never_goes_without_consent_or_on_the_do_not_call_list(gate):
    today = dt.date(2026, 6, 1)
    reason = rules.block_reason(gate, today)
    if not gate.marketing_consent:
        assert reason == "no_marketing_consent"
    elif gate.do_not_call_until is not None and gate.do_not_call_until >= today:
        assert reason == "do_not_call"
    if reason is None:
        assert gate.marketing_this_week < gate.weekly_marketing_cap
        assert gate.sent_today < gate.daily_cap and not gate.unsubscribed


@given(gates(st.just("service")))
def test_service_notices_ignore_marketing_consent_but_not_caps_or_unsubscribes(gate):
    reason = rules.block_reason(gate, dt.date(2026, 6, 1))
    expected = (
        "unsubscribed"
        if gate.unsubscribed
        else "frequency_cap"
        if gate.sent_today >= gate.daily_cap
        else None
    )
    assert reason == expected
