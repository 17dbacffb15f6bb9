"""Fast track: straight-through approval and payment; flags route to a person and never reject
or stop the clocks; the admin rule and tier entitlements decide who may use it."""

import datetime as dt
from decimal import Decimal as D

import pytest

from carecircle.claims import services
from carecircle.claims.choices import Action
from carecircle.claims.models import Claim, ClaimFlag, ClaimPayment, FastTrackRule
from tests.claims.bank_support import send_and_confirm
from tests.factories.claims import at, committed, customer_user, policy_with_cover, staff

pytestmark = pytest.mark.django_db


def fast(policy, user, estimate="1800", **kw):
    kw.setdefault("accident_at", at(2, 8))
    with committed():
        claim = services.report_claim(
            acting_user=user, policy=policy, customer_estimate=estimate, single_vehicle=True,
            liability_clear=True, channel="h5", **kw,
        )  # fmt: skip
    claim.refresh_from_db()
    return claim


def test_a_small_clear_claim_goes_from_report_to_payment_on_the_remote_assessment(today):
    people = staff()
    policy = policy_with_cover()
    claim = fast(policy, customer_user(policy))
    assert (claim.fast_track, claim.status, claim.survey_mode) == (True, "registered", "remote")
    claim = services.transition(
        claim, Action.ASSESS, acting_user=people["handler"], data={"parts": "1200", "labour": "400"}
    )
    claim = Claim.objects.get(pk=claim.pk)
    # The payment is instructed and released at once (small); paid when the bank confirms.
    assert (claim.status, claim.amount_paid) == ("approved", D("0.00"))
    payment = ClaimPayment.objects.get(claim=claim)
    assert (payment.amount, payment.created_by, payment.status) == (
        D("1600.00"), None, "approved",
    )  # fmt: skip
    systems = claim.transitions.filter(actor=None).values_list("action", flat=True)
    assert list(systems) == [
        "fast_track", "dispatch", "survey", "register", "check_loss", "adjust", "approve",
        "payment_created",
    ]  # fmt: skip
    send_and_confirm(payment, people["handler"])
    claim = Claim.objects.get(pk=claim.pk)
    assert (claim.status, claim.amount_paid) == ("paid", D("1600.00"))


def test_a_remote_assessment_above_the_limit_leaves_the_fast_track_with_the_reason(today):
    people = staff()
    policy = policy_with_cover()
    claim = fast(policy, customer_user(policy))
    claim = services.transition(
        claim, Action.ASSESS, acting_user=people["handler"], data={"parts": "7000"}
    )
    claim.refresh_from_db()
    assert (claim.status, claim.fast_track) == ("assessed", False)
    left = claim.transitions.filter(action="fast_track").last()
    assert "amount above the fast-track limit" in left.reason


def test_a_red_flag_routes_to_a_person_but_never_rejects_or_pauses_the_clock(today):
    policy = policy_with_cover(
        effective_date=dt.date(2026, 2, 20), expiry_date=dt.date(2027, 2, 20)
    )
    claim = fast(policy, customer_user(policy), accident_at=at(1, 23))
    flags = dict(ClaimFlag.objects.filter(claim=claim).values_list("code", "reason"))
    assert set(flags) == {"soon_after_inception", "night_single_vehicle"}
    assert flags["soon_after_inception"].startswith("起保后 9 天出险")
    assert (claim.fast_track, claim.status, claim.clock_state) == (False, "reported", "ok")
    people = staff()
    flag = ClaimFlag.objects.get(claim=claim, code="night_single_vehicle")
    services.review_flag(
        flag, acting_user=people["handler"], confirmed=False, note="有行车记录仪视频"
    )
    assert ClaimFlag.objects.get(pk=flag.pk).status == "cleared"
    assert Claim.objects.get(pk=claim.pk).status == "reported"


def test_the_admin_rule_decides_the_tiers_and_a_tier_can_widen_the_limit(today):
    from carecircle.value.models import CustomerValue, ValueRun

    rule = FastTrackRule.objects.get()
    rule.allowed_tiers = ["diamond"]
    rule.tier_max_amounts = {"diamond": "9000"}
    rule.save()
    policy = policy_with_cover()
    standard = fast(policy, customer_user(policy), estimate="1800")
    assert standard.fast_track is False
    run = ValueRun.objects.create(is_current=True, as_of=dt.date(2026, 3, 1))
    CustomerValue.objects.create(
        run=run, customer=policy.customer, tenure_years=1, loss_ratio_credible=0,
        renewal_probability=0, value_percentile=0, rule_tier="diamond", tier="diamond",
        reasons="test",
    )  # fmt: skip
    diamond = fast(policy, customer_user(policy), estimate="8500")
    assert diamond.fast_track is True
