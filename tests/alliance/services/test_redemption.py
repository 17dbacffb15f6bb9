"""Redemption: exactly once, only at a merchant offering the service, only while valid;
reversal within the window; every bad code refused with a clear bilingual message; code
guessing braked and logged."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from carecircle.alliance import rules, services
from carecircle.alliance.models import Redemption, RedemptionAttempt, Voucher
from carecircle.core import clock
from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog
from carecircle.core.roles import Role
from tests.factories import UserFactory
from tests.factories.alliance import ProductFactory, VoucherFactory, merchant_with_offer

pytestmark = pytest.mark.django_db
NOON = dt.datetime(2026, 6, 1, 12, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture
def at_noon():
    with clock.frozen_at(NOON):
        yield NOON


@pytest.fixture
def wash():
    merchant, offer, location, user = merchant_with_offer()
    return merchant, offer, location, user


def refused(code_text, user, expected_code):
    with pytest.raises(DomainError) as err:
        services.redeem(code_text, acting_user=user)
    assert err.value.code == expected_code
    assert "/ " in err.value.message  # 中文 / English
    return err.value


def test_a_valid_voucher_is_redeemed_once_at_the_agreed_price(at_noon, wash):
    merchant, offer, location, user = wash
    voucher = VoucherFactory(product=offer.product)
    redemption = services.redeem(
        rules.display(voucher.code).lower(), acting_user=user, location_id=location.pk
    )
    voucher.refresh_from_db()
    assert (voucher.status, voucher.merchant_id, voucher.redeemed_at) == (
        "redeemed",
        merchant.pk,
        NOON,
    )
    assert (redemption.agreed_price, redemption.location_id) == (Decimal("35.50"), location.pk)
    assert AuditLog.objects.filter(object_type="alliance.redemption", action="create").count() == 1
    err = refused(voucher.code, user, "used")
    assert err.status == 409
    assert Redemption.objects.count() == 1


def test_unknown_and_mistyped_codes_are_refused_and_logged(at_noon, wash):
    *_, user = wash
    voucher = VoucherFactory(product=wash[1].product)
    typo = voucher.code[:5] + ("A" if voucher.code[5] != "A" else "B") + voucher.code[6:]
    refused(typo, user, "typo")
    unknown_body = "ZZZZZZZZZZZ"
    err = refused(unknown_body + rules.check_symbol(unknown_body), user, "unknown")
    assert err.status == 404
    attempts = list(RedemptionAttempt.objects.order_by("pk").values_list("outcome", "code_tried"))
    assert attempts == [("typo", typo[:4]), ("unknown", "ZZZZ")]
    assert Voucher.objects.get(pk=voucher.pk).status == "issued"


def test_expired_not_yet_valid_and_cancelled_vouchers_are_refused(at_noon, wash):
    *_, user = wash
    product = wash[1].product
    refused(VoucherFactory(product=product, valid_until=dt.date(2026, 5, 31)).code, user, "expired")
    refused(VoucherFactory(product=product, status="expired").code, user, "expired")
    refused(
        VoucherFactory(product=product, valid_from=dt.date(2026, 6, 2)).code, user, "not_yet_valid"
    )
    refused(VoucherFactory(product=product, status="cancelled").code, user, "cancelled")


def test_a_voucher_for_a_service_the_merchant_does_not_offer_is_refused(at_noon, wash):
    *_, user = wash
    rescue = ProductFactory(code="rescue", kind="roadside_rescue", name="道路救援")
    voucher = VoucherFactory(product=rescue)
    refused(voucher.code, user, "wrong_merchant")
    # another merchant's used voucher: still only "not your service", nothing about its use
    _other_merchant, _other_offer, _, other_user = merchant_with_offer(product=rescue)
    services.redeem(voucher.code, acting_user=other_user)
    refused(voucher.code, user, "wrong_merchant")


def test_a_reversed_redemption_voids_the_voucher(at_noon, wash):
    *_, user = wash
    voucher = VoucherFactory(product=wash[1].product)
    redemption = services.redeem(voucher.code, acting_user=user)
    with pytest.raises(DomainError) as err:
        services.reverse(redemption, acting_user=user, reason="  ")
    assert err.value.code == "reason_required"
    services.reverse(redemption, acting_user=user, reason="顾客未到店 / customer left")
    redemption.refresh_from_db()
    assert (redemption.status, redemption.reversal_reason) == (
        "reversed",
        "顾客未到店 / customer left",
    )
    assert Voucher.objects.get(pk=voucher.pk).status == "reversed"
    refused(voucher.code, user, "reversed")
    with pytest.raises(DomainError) as again:
        services.reverse(redemption, acting_user=user, reason="twice")
    assert again.value.code == "already_reversed"


def test_reversal_is_refused_after_the_window_and_for_another_merchant(wash):
    *_, user = wash
    voucher = VoucherFactory(product=wash[1].product)
    with clock.frozen_at(NOON):
        redemption = services.redeem(voucher.code, acting_user=user)
    _, _, _, other_user = merchant_with_offer(product=wash[1].product)
    with clock.frozen_at(NOON + dt.timedelta(hours=1)), pytest.raises(PermissionDenied):
        services.reverse(redemption, acting_user=other_user, reason="not mine")
    with clock.frozen_at(NOON + dt.timedelta(hours=25)), pytest.raises(DomainError) as err:
        services.reverse(redemption, acting_user=user, reason="late")
    assert err.value.code == "reversal_window"
    assert Redemption.objects.get(pk=redemption.pk).status == "completed"


def test_code_guessing_is_braked_per_merchant_user_and_audited(at_noon, wash, settings):
    settings.CARECIRCLE = {**settings.CARECIRCLE, "ALLIANCE": {"GUESS_LIMIT": 3}}
    *_, user = wash
    voucher = VoucherFactory(product=wash[1].product)
    for guess in rules.new_codes(3):
        refused(guess, user, "unknown")
    err = refused(voucher.code, user, "rate_limited")  # even the right code now
    assert err.status == 429
    assert Voucher.objects.get(pk=voucher.pk).status == "issued"
    assert AuditLog.objects.filter(action="denied", actor=user).count() == 1
    # another user of the same merchant is not braked by this one's failures
    colleague = UserFactory(username="colleague", role=Role.MERCHANT_USER, partner=wash[0])
    assert services.redeem(voucher.code, acting_user=colleague).voucher_id == voucher.pk
    # the brake lifts when the window has passed
    with clock.frozen_at(NOON + dt.timedelta(minutes=16)):
        refused(voucher.code, user, "used")


def test_only_merchant_staff_redeem(at_noon, wash):
    voucher = VoucherFactory(product=wash[1].product)
    for role in (Role.SERVICE_MANAGER, Role.SEAT, Role.CUSTOMER, Role.PARTNER_USER):
        with pytest.raises(PermissionDenied):
            services.redeem(voucher.code, acting_user=UserFactory(role=role))
    lost = UserFactory(role=Role.MERCHANT_USER)  # no merchant set
    with pytest.raises(PermissionDenied):
        services.redeem(voucher.code, acting_user=lost)
    assert Voucher.objects.get(pk=voucher.pk).status == "issued"


def test_a_location_of_another_merchant_is_refused(at_noon, wash):
    *_, user = wash
    _, _, their_location, _ = merchant_with_offer(product=wash[1].product)
    voucher = VoucherFactory(product=wash[1].product)
    with pytest.raises(DomainError) as err:
        services.redeem(voucher.code, acting_user=user, location_id=their_location.pk)
    assert err.value.code == "location"
    assert Voucher.objects.get(pk=voucher.pk).status == "issued"


def test_expiry_job_expires_only_past_issued_vouchers(wash):
    product = wash[1].product
    old = VoucherFactory(product=product, valid_until=dt.date(2026, 5, 31))
    current = VoucherFactory(product=product, valid_until=dt.date(2026, 6, 1))
    used = VoucherFactory(product=product, valid_until=dt.date(2026, 5, 1), status="redeemed")
    assert services.expire_vouchers(dt.date(2026, 6, 1)) == 1
    statuses = dict(Voucher.objects.values_list("pk", "status"))
    assert statuses == {old.pk: "expired", current.pk: "issued", used.pk: "redeemed"}
