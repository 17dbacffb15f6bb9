"""The pure rules of legal notices (Insurance Law Art 22/24), over many inputs (hypothesis):
never blocked, never deferred, a route SMS → e-mail that always ends — at worst in a letter."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carecircle.notify import rules
from tests.notify.test_rules import SHANGHAI, gates, hours, moments

TODAY = dt.date(2026, 6, 1)
CHANNELS = ["sms", "email", "wechat"]


@given(gates(st.just("legal")))
def test_a_legal_notice_breaks_no_gate_rule(gate):
    # whatever the consent, do-not-call entry, unsubscribe and caps say
    assert rules.block_reason(gate, TODAY) is None


@given(gate=gates(st.just("legal")), moment=moments, quiet=st.tuples(hours, hours))
def test_a_legal_notice_with_an_address_goes_now_whatever_the_gate_or_the_hour(gate, moment, quiet):
    decision = rules.decide(gate, TODAY, "13800000001", moment, SHANGHAI, quiet)
    assert decision == rules.Decision("queued")


@given(gate=gates(st.just("legal")), moment=moments, quiet=st.tuples(hours, hours))
def test_a_legal_notice_with_no_address_becomes_a_letter_never_blocked_nor_deferred(
    gate, moment, quiet
):
    decision = rules.decide(gate, TODAY, "", moment, SHANGHAI, quiet)
    assert decision == rules.Decision("letter")


@pytest.mark.parametrize(
    ("named", "route"),
    [
        (None, ("sms", "email")),
        ("email", ("email", "sms")),
        ("wechat", ("wechat", "sms", "email")),
        ("sms", ("sms", "email")),
        ("letter", ()),  # naming the letter goes straight to a letter task
    ],
)
def test_the_legal_route_is_the_named_channel_then_sms_then_email(named, route):
    assert rules.legal_route(("sms", "email"), named) == route


@given(
    route=st.permutations(CHANNELS),
    tried=st.sets(st.sampled_from(CHANNELS)),
    addresses=st.dictionaries(st.sampled_from(CHANNELS), st.sampled_from(["", "addr"])),
)
def test_the_fallback_takes_the_first_untried_channel_with_an_address_else_a_letter(
    route, tried, addresses
):
    channel, address, skipped = rules.next_legal_channel(
        route, tried, lambda c: addresses.get(c, "")
    )
    untried = [c for c in route if c not in tried]
    reachable = [c for c in untried if addresses.get(c)]
    if reachable:
        assert (channel, address) == (reachable[0], "addr")
        assert skipped == tuple(untried[: untried.index(reachable[0])])
    else:
        assert (channel, address, skipped) == ("letter", "", tuple(untried))
    assert channel not in tried  # a channel is never tried twice: the fallback ends


def test_a_failed_sms_falls_back_to_email_then_to_a_letter():
    addresses = {"sms": "13800000001", "email": "a@example.cn"}.get
    route = rules.legal_route(("sms", "email"), None)
    first = rules.next_legal_channel(route, (), lambda c: addresses(c, ""))
    second = rules.next_legal_channel(route, {"sms"}, lambda c: addresses(c, ""))
    third = rules.next_legal_channel(route, {"sms", "email"}, lambda c: addresses(c, ""))
    assert first == ("sms", "13800000001", ())
    assert second == ("email", "a@example.cn", ())
    assert third == ("letter", "", ())


@given(gates(st.just("marketing")))
def test_the_legal_purpose_lets_no_marketing_message_through(gate):
    # marketing keeps every rule of its own: the legal branch only ever answers "legal"
    reason = rules.block_reason(gate, TODAY)
    if not gate.marketing_consent:
        assert reason == "no_marketing_consent"
    if gate.sent_today >= gate.daily_cap or gate.marketing_this_week >= gate.weekly_marketing_cap:
        assert reason is not None
