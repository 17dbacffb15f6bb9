"""Proposals (投保单) and 见费出单: the offer holds the quoted policies with last year's
coverages rescaled to the cent, the tax apart; nothing is issued until the payment arrives,
then everything is issued once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from carecircle.alliance.models import Voucher
from carecircle.core import clock
from carecircle.core.errors import DomainError
from carecircle.policies.models import (
    PaymentOrder,
    PaymentStatus,
    Policy,
    Proposal,
    ProposalStatus,
)
from carecircle.policies.payments.services import receive, start_payment
from carecircle.policies.payments.simulator import SimulatorGateway
from carecircle.policies.proposals import (
    QuotedPolicy,
    cancel_proposal,
    create_proposal,
    expire_due,
    offer_expiry,
    scale_premiums,
)
from tests.factories import PolicyFactory, UserFactory
from tests.policies.proposal_setup import (
    EXPIRY,
    IMMEDIATE_TASKS,
    NOW,
    offer,
    old_policies,
    pay,
    towing_package,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def now():
    with clock.frozen_at(NOW):
        yield NOW


def test_the_proposal_totals_premium_and_tax_apart_and_coverages_add_up_to_the_cent(now):
    commercial, compulsory = old_policies()
    proposal = offer(commercial, compulsory)
    assert (proposal.premium, proposal.vehicle_tax, proposal.total_due) == (
        Decimal("2955.00"),
        Decimal("360.00"),
        Decimal("3315.00"),
    )
    lines = {line.kind: line for line in proposal.lines.all()}
    coverages = {c.code: (c.premium, c.limit) for c in lines["commercial"].coverages.all()}
    # 2100 / 3000 = 0.7 of each of last year's coverages; the rider is kept.
    assert coverages == {
        "vehicle_damage": (Decimal("1190.00"), None),
        "third_party": (Decimal("868.00"), Decimal("1000000.00")),
        "roadside_rescue": (Decimal("42.00"), None),
    }
    assert [(c.code, c.premium) for c in lines["compulsory"].coverages.all()] == [
        ("compulsory", Decimal("855.00"))
    ]
    assert (lines["compulsory"].vehicle_tax, lines["commercial"].vehicle_tax) == (
        Decimal("360.00"),
        None,
    )
    assert (lines["commercial"].effective_date, lines["commercial"].expiry_date) == (
        EXPIRY,
        dt.date(2027, 6, 5),
    )
    assert proposal.status == ProposalStatus.AWAITING_PAYMENT
    assert not Policy.objects.filter(renews__in=[commercial, compulsory]).exists()


def test_rescaled_coverages_that_do_not_divide_evenly_still_add_up_to_the_quote(now):
    commercial, _compulsory = old_policies()
    proposal = offer(commercial, None, commercial_premium="2000.01")
    premiums = [c.premium for c in proposal.lines.get().coverages.all()]
    assert sum(premiums) == Decimal("2000.01")


@given(
    st.lists(st.decimals("0", "99999.99", places=2), min_size=1, max_size=12),
    st.decimals("0", "999999.99", places=2),
)
def test_scaled_premiums_always_add_up_to_the_total_and_are_never_negative(premiums, total):
    scaled = scale_premiums(premiums, total)
    assert sum(scaled) == total
    assert all(p >= 0 and p == p.quantize(Decimal("0.01")) for p in scaled)
    assert len(scaled) == len(premiums)


@pytest.mark.parametrize(
    ("asked", "open_until"),
    [
        # 7 days (the setting) when the old cover runs longer …
        (dt.datetime(2026, 5, 10, 10, 0), dt.datetime(2026, 5, 17, 10, 0)),
        # … never past 00:00 on the old policy's expiry date (grace 0 days).
        (dt.datetime(2026, 6, 1, 10, 0), dt.datetime(2026, 6, 5, 0, 0)),
    ],
)
def test_an_offer_stays_open_seven_days_but_never_past_the_old_cover(asked, open_until):
    aware = timezone.make_aware
    assert offer_expiry(aware(asked), EXPIRY, 7, 0) == aware(open_until)


def test_an_offer_once_the_old_cover_has_ended_is_refused():
    commercial, compulsory = old_policies()
    late = timezone.make_aware(dt.datetime(2026, 6, 5, 9, 0))
    with clock.frozen_at(late), pytest.raises(DomainError) as refused:
        offer(commercial, compulsory)
    assert refused.value.code == "offer_too_late"


def test_the_same_key_makes_one_proposal_and_a_new_offer_supersedes_the_open_one(now):
    commercial, compulsory = old_policies()
    first = offer(commercial, compulsory, key="k1")
    assert offer(commercial, compulsory, key="k1").pk == first.pk
    second = offer(commercial, compulsory, key="k2", commercial_premium="2050.00")
    first.refresh_from_db()
    assert (first.status, second.status) == (ProposalStatus.CANCELLED, "awaiting_payment")
    assert Proposal.objects.count() == 2


def test_a_policy_renewed_elsewhere_cannot_be_proposed(now):
    commercial, compulsory = old_policies()
    PolicyFactory(
        vehicle=commercial.vehicle,
        renews=commercial,
        policy_no="P-4S-RENEWED",
        effective_date=EXPIRY,
        expiry_date=dt.date(2027, 6, 5),
        channel="four_s_shop",
    )
    with pytest.raises(DomainError) as refused:
        offer(commercial, compulsory)
    assert refused.value.code == "already_renewed" and "P-4S-RENEWED" in refused.value.message


def test_paid_the_policies_are_issued_with_coverages_riders_tax_and_vouchers(
    now, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = IMMEDIATE_TASKS
    towing_package()
    seat = UserFactory(username="seat-pay")
    commercial, compulsory = old_policies()
    proposal = offer(commercial, compulsory, seat=seat)
    with django_capture_on_commit_callbacks(execute=True):
        received = pay(proposal)
    assert received.outcome == "issued"
    proposal.refresh_from_db()
    assert (proposal.status, proposal.issued_at) == (ProposalStatus.ISSUED, NOW)
    new_commercial = Policy.objects.get(renews=commercial)
    new_compulsory = Policy.objects.get(renews=compulsory)
    assert new_commercial.policy_no == "PDAA" + proposal.proposal_no[2:]
    assert (new_commercial.effective_date, new_commercial.expiry_date) == (
        EXPIRY,
        dt.date(2027, 6, 5),
    )
    assert (new_commercial.premium, new_commercial.ncd_level, new_commercial.vehicle_tax) == (
        Decimal("2100.00"),
        -2,
        None,
    )
    assert (new_compulsory.premium, new_compulsory.vehicle_tax) == (
        Decimal("855.00"),
        Decimal("360.00"),
    )
    assert (new_commercial.channel, new_commercial.agent) == ("telesales", seat)
    assert sorted(new_commercial.coverages.values_list("code", "premium")) == [
        ("roadside_rescue", Decimal("42.00")),
        ("third_party", Decimal("868.00")),
        ("vehicle_damage", Decimal("1190.00")),
    ]
    # The rider follows the renewal: its voucher exists for the new policy year.
    vouchers = Voucher.objects.filter(policy=new_commercial)
    assert list(vouchers.values_list("product__code", flat=True)) == ["towing"]


def test_a_notification_delivered_twice_issues_once(now):
    commercial, compulsory = old_policies()
    proposal = offer(commercial, compulsory)
    order = start_payment(proposal)
    body, headers = SimulatorGateway().notification(order.reference, order.amount)
    assert receive("simulator", body, headers).outcome == "issued"
    assert receive("simulator", body, headers).outcome == "duplicate"
    assert Policy.objects.filter(renews__in=[commercial, compulsory]).count() == 2


def test_pressing_pay_twice_reuses_the_order_and_a_second_paid_order_is_refunded(now):
    commercial, compulsory = old_policies()
    proposal = offer(commercial, compulsory)
    first = start_payment(proposal)
    assert start_payment(proposal).pk == first.pk
    # A second order paid at the gateway after the first issued (two devices): refunded.
    assert pay(proposal).outcome == "issued"
    stray = PaymentOrder.objects.create(
        proposal=proposal,
        gateway="simulator",
        reference="PAY-STRAY",
        amount=proposal.total_due,
        created_at=NOW,
    )
    body, headers = SimulatorGateway().notification(stray.reference, stray.amount)
    assert receive("simulator", body, headers).outcome == "refund_due"
    stray.refresh_from_db()
    assert stray.status == PaymentStatus.REFUND_DUE
    assert Policy.objects.filter(renews__in=[commercial, compulsory]).count() == 2


def test_unpaid_proposals_expire_after_the_offer_and_can_no_longer_be_paid(
    now, django_capture_on_commit_callbacks
):
    commercial, compulsory = old_policies()
    proposal = offer(commercial, compulsory)
    order = start_payment(proposal)
    assert expire_due(NOW + dt.timedelta(days=6)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert expire_due(NOW + dt.timedelta(days=7)) == 1
    assert expire_due(NOW + dt.timedelta(days=8)) == 0
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.EXPIRED
    with pytest.raises(DomainError) as refused:
        start_payment(proposal)
    assert refused.value.code == "not_payable"
    # Money that arrives anyway (paid at the last second) is refunded, nothing issued.
    body, headers = SimulatorGateway().notification(order.reference, order.amount)
    assert receive("simulator", body, headers).outcome == "refund_due"
    assert not Policy.objects.filter(renews__in=[commercial, compulsory]).exists()


def test_a_cancelled_proposal_cannot_be_paid_and_cancelling_twice_is_a_no_op(now):
    commercial, compulsory = old_policies()
    proposal = offer(commercial, compulsory)
    cancel_proposal(proposal, acting_user=None, reason="wrong quote")
    assert cancel_proposal(proposal, acting_user=None).status == ProposalStatus.CANCELLED
    with pytest.raises(DomainError):
        start_payment(proposal)


def test_compulsory_alone_is_proposed_and_issued_without_commercial(now):
    _commercial, compulsory = old_policies()
    proposal = offer(None, compulsory)
    assert (proposal.premium, proposal.vehicle_tax, proposal.total_due) == (
        Decimal("855.00"),
        Decimal("360.00"),
        Decimal("1215.00"),
    )
    assert pay(proposal).outcome == "issued"
    assert list(Policy.objects.filter(renews__isnull=False).values_list("kind", flat=True)) == [
        "compulsory"
    ]


def test_vehicle_tax_goes_only_with_the_compulsory_policy(now):
    commercial, _ = old_policies()
    with pytest.raises(DomainError) as refused:
        create_proposal(
            acting_user=None,
            quoted=[QuotedPolicy(commercial, Decimal("2100.00"), vehicle_tax=Decimal("360"))],
            channel="telesales",
            idempotency_key="tax",
        )
    assert refused.value.code == "vehicle_tax_with_compulsory"
