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


CHANNELS = ["wechat", "sms", "email"]


@given(
    order=st.permutations(CHANNELS),
    named=st.none() | st.sampled_from(CHANNELS),
    addresses=st.dictionaries(st.sampled_from(CHANNELS), st.sampled_from(["", "addr"])),
    unsubscribed=st.sets(st.sampled_from(CHANNELS)),
)
def test_the_channel_is_the_named_one_else_the_first_with_an_address_not_unsubscribed(
    order, named, addresses, unsubscribed
):
    channel, address = rules.choose_channel(
        order, named, lambda c: addresses.get(c, ""), lambda c: c in unsubscribed
    )
    reachable = [c for c in order if addresses.get(c)]
    open_ = [c for c in reachable if c not in unsubscribed]
    if named:
        expected = named
    elif open_:
        expected = open_[0]
    elif reachable:
        expected = reachable[0]  # the gate then blocks it: unsubscribed
    else:
        expected = order[0]  # nothing to reach: blocked no_address
    assert (channel, address) == (expected, addresses.get(expected, ""))


@given(
    gate=gates(st.sampled_from(["service", "marketing"])),
    address=st.sampled_from(["", "13800000001"]),
    moment=moments,
    quiet=st.tuples(hours, hours),
)
def test_a_message_is_blocked_by_the_first_broken_rule_else_deferred_in_quiet_hours_else_queued(
    gate, address, moment, quiet
):
    today = dt.date(2026, 6, 1)
    decision = rules.decide(gate, today, address, moment, SHANGHAI, quiet)
    broken = rules.block_reason(gate, today) or ("" if address else "no_address")
    later = rules.quiet_hours_end(moment, SHANGHAI, quiet)
    if broken:
        assert decision == rules.Decision("blocked", broken)
    elif later:
        assert decision == rules.Decision("deferred", "", later)
    else:
        assert decision == rules.Decision("queued")
