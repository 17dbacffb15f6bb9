"""The nightly re-evaluation: breaches and warnings appear, unchanged claims are not written;
legal clocks in calendar days, the payment clock from the customer's acceptance."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.management import call_command

from carecircle.claims.models import Claim
from carecircle.claims.services.clocks import reevaluate_open_claims
from tests.factories.claims import ClaimFactory, at
from tests.factories.core import SH

pytestmark = pytest.mark.django_db


def test_the_nightly_run_marks_breaches_and_warnings_and_writes_only_changes():
    on_time = ClaimFactory(reported_at=at(2, 9), accident_at=at(2, 8), amount_reserved=D("8000"))
    late = ClaimFactory(
        status="approved", approved_at=at(2, 11), reported_at=at(2, 9), accident_at=at(2, 8),
        offer_accepted_at=at(2, 12), offer_accepted_via="phone_call",
    )  # fmt: skip
    closed = ClaimFactory(status="closed", reported_at=at(2, 9), accident_at=at(2, 8))
    first = reevaluate_open_claims(dt.date(2026, 3, 3))
    assert (first.claims, first.changed) == (2, 2)
    on_time.refresh_from_db()
    assert (on_time.promised_on, on_time.promise_state) == (dt.date(2026, 3, 11), "ok")
    assert (on_time.due_clock, on_time.due_on, on_time.clock_state) == (
        "decision", dt.date(2026, 4, 1), "ok",  # 30 calendar days (was 13 Apr in working days)
    )  # fmt: skip
    again = reevaluate_open_claims(dt.date(2026, 3, 3))
    assert again.changed == 0
    later = reevaluate_open_claims(dt.date(2026, 3, 17))
    late.refresh_from_db()
    assert (late.due_clock, late.due_on, late.clock_state) == (
        "payment", dt.date(2026, 3, 12), "breached",  # 10 days from the customer's acceptance
    )  # fmt: skip
    assert later.breached == 2  # the payment clock and the other claim's 7-day promise
    assert Claim.objects.get(pk=closed.pk).clock_state == ""


def test_the_command_prints_the_figures(capsys):
    ClaimFactory(reported_at=at(2, 9), accident_at=at(2, 8))
    call_command("claims_clocks", "--today", "2026-03-03", "--settle")
    out = capsys.readouterr().out
    assert "1 open claims, 1 changed, 0 breached" in out
    assert "0 approved claims paid" in out


def test_an_approved_claim_runs_no_payment_clock_until_the_customer_accepts():
    waiting = ClaimFactory(
        status="approved", approved_at=at(2, 12), reported_at=at(2, 9), accident_at=at(2, 8)
    )
    reevaluate_open_claims(dt.date(2026, 3, 17))
    waiting.refresh_from_db()
    assert (waiting.due_clock, waiting.due_on, waiting.clock_state) == ("", None, "")


def test_the_nightly_run_names_the_years_with_no_schedule_a_running_clock_reaches():
    ClaimFactory(reported_at=at(2, 9), accident_at=at(2, 8))
    assert reevaluate_open_claims(dt.date(2026, 3, 3)).unscheduled == ()
    ClaimFactory(
        reported_at=dt.datetime(2026, 12, 20, 9, tzinfo=SH),
        accident_at=dt.datetime(2026, 12, 20, 8, tzinfo=SH),
    )
    assert reevaluate_open_claims(dt.date(2026, 12, 21)).unscheduled == (2027,)
