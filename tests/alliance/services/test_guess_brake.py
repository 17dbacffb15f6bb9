"""The guessing brake counts only unknown codes (#21, finding 7): a merchant's till that scans a
used voucher twice (or an expired one) is answered truthfully and is not locked out; unknown
codes still brake."""

import datetime as dt

import pytest

from carecircle.alliance import rules, services
from carecircle.alliance.models import RedemptionAttempt
from carecircle.core import clock
from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog
from tests.factories.alliance import VoucherFactory, merchant_with_offer

pytestmark = pytest.mark.django_db
NOON = dt.datetime(2026, 6, 1, 12, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def refused_as(code: str, user) -> str:
    with pytest.raises(DomainError) as err:
        services.redeem(code, acting_user=user)
    return err.value.code


def test_the_guessing_brake_counts_only_unknown_codes_not_a_double_scan(settings):
    settings.CARECIRCLE = {**settings.CARECIRCLE, "ALLIANCE": {"GUESS_LIMIT": 3}}
    _, offer, _, user = merchant_with_offer()
    with clock.frozen_at(NOON):
        used = VoucherFactory(product=offer.product)
        expired = VoucherFactory(
            product=offer.product, valid_until=NOON.date() - dt.timedelta(days=1)
        )
        services.redeem(used.code, acting_user=user)
        answers = [refused_as(used.code, user) for _ in range(5)]
        answers += [refused_as(expired.code, user) for _ in range(2)]
        assert answers == ["used"] * 5 + ["expired"] * 2
        fresh = VoucherFactory(product=offer.product)
        assert services.redeem(fresh.code, acting_user=user).voucher_id == fresh.pk
        # unknown codes still brake, at the limit
        guesses = [refused_as(guess, user) for guess in rules.new_codes(5)]
        assert guesses == ["unknown"] * 3 + ["rate_limited"] * 2
        assert AuditLog.objects.filter(action="denied", actor=user).count() == 1  # per burst
    assert RedemptionAttempt.objects.filter(user=user, outcome="used").count() == 5
