"""Referrals (word of mouth): who referred whom, and what came of it."""

import datetime as dt
from decimal import Decimal

import pytest

from carecircle.core import clock
from carecircle.core.errors import DomainError
from carecircle.core.roles import Role
from carecircle.touchpoints import selectors
from carecircle.touchpoints.models import Interaction
from carecircle.touchpoints.services import referrals
from tests.factories import SH, CustomerFactory, PolicyFactory, UserFactory

pytestmark = pytest.mark.django_db
SENT = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SH)


def test_referrals_record_who_referred_whom_and_the_outcome():
    seat = UserFactory(username="s1", role=Role.MANAGER)
    referrer = CustomerFactory(name="李雷")
    with clock.frozen_at(SENT):
        won = referrals.record_referral(
            referrer, acting_user=seat, referred_name="韩梅梅", referred_phone="13912345678"
        )
        lost = referrals.record_referral(referrer, acting_user=seat, referred_name="王五")
    assert won.referred_phone_masked == "139****5678"
    assert Interaction.objects.filter(customer=referrer, source="referral").count() == 2
    policy = PolicyFactory()
    won = referrals.referral_outcome(won, acting_user=seat, status="won", policy=policy)
    assert (won.status, won.referred, won.policy) == ("won", policy.customer, policy)
    referrals.referral_outcome(lost, acting_user=seat, status="lost")
    with pytest.raises(DomainError):
        referrals.referral_outcome(won, acting_user=seat, status="quoted")
    summary = selectors.referral_summary(
        dt.datetime(2026, 3, 1, tzinfo=SH), dt.datetime(2026, 4, 1, tzinfo=SH), seat
    )
    assert summary == {
        "total": 2,
        "by_status": {"won": 1, "lost": 1},
        "won": 1,
        "conversion": Decimal("0.500"),
        "referrers": 1,
    }
