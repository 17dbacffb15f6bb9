"""Exactly once under concurrency: 500 threads redeem one code at the same moment on
PostgreSQL → exactly 1 success and 499 clear refusals ("used")."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from carecircle.alliance import services
from carecircle.alliance.models import Redemption, RedemptionAttempt, Voucher
from carecircle.core.errors import DomainError
from carecircle.core.roles import Role
from tests.factories import UserFactory
from tests.factories.alliance import VoucherFactory, merchant_with_offer

ATTEMPTS = 500
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def concurrent_redemptions(code, users, workers):
    barrier = threading.Barrier(workers)

    def attempt(user):
        try:
            barrier.wait(timeout=120)
            services.redeem(code, acting_user=user)
            return "success"
        except DomainError as err:
            return err.code
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(attempt, users))


def test_500_concurrent_attempts_on_one_code_give_exactly_one_redemption(settings):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL)")
    merchant, offer, _, _ = merchant_with_offer()
    voucher = VoucherFactory(product=offer.product)
    # 500 attempts from 50 merchant users (the guessing brake counts per user, and "used" is a
    # refusal it counts), 50 threads at a time: the server allows 100 connections.
    settings.CARECIRCLE = {**settings.CARECIRCLE, "ALLIANCE": {"GUESS_LIMIT": 1000}}
    users = [
        UserFactory(username=f"staff{n}", role=Role.MERCHANT_USER, partner=merchant)
        for n in range(50)
    ]
    outcomes = concurrent_redemptions(voucher.code, [users[n % 50] for n in range(ATTEMPTS)], 50)
    assert outcomes.count("success") == 1
    assert outcomes.count("used") == ATTEMPTS - 1
    assert Redemption.objects.filter(voucher=voucher).count() == 1
    assert Voucher.objects.get(pk=voucher.pk).status == "redeemed"
    assert RedemptionAttempt.objects.filter(outcome="used").count() == ATTEMPTS - 1
