"""Row-level access: a merchant user never sees another merchant's data nor the customer book;
customers see their own vouchers; seats their customers'."""

import datetime as dt

import pytest

from carecircle.alliance import services
from carecircle.alliance.models import MerchantLocation, MerchantOffer, Redemption, Voucher
from carecircle.core import clock
from carecircle.core.roles import Role
from carecircle.parties.models import Customer
from tests.factories import CustomerFactory, UserFactory
from tests.factories.alliance import VoucherFactory, merchant_with_offer

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_merchants():
    with clock.frozen_at(dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)):
        a = merchant_with_offer()
        b = merchant_with_offer(product=a[1].product)
        va, vb = VoucherFactory(product=a[1].product), VoucherFactory(product=a[1].product)
        services.redeem(va.code, acting_user=a[3])
        services.redeem(vb.code, acting_user=b[3])
        unused = VoucherFactory(product=a[1].product)
    return a, b, va, vb, unused


def test_a_merchant_user_sees_only_its_own_merchants_rows(two_merchants):
    (_ma, offer_a, loc_a, user_a), (_mb, *_), va, _vb, _unused = two_merchants
    assert list(Redemption.objects.restrict(user_a).values_list("voucher", flat=True)) == [va.pk]
    assert list(Voucher.objects.restrict(user_a)) == [va]  # never unused or others' vouchers
    assert list(MerchantOffer.objects.restrict(user_a)) == [offer_a]
    assert list(MerchantLocation.objects.restrict(user_a)) == [loc_a]
    assert Customer.objects.restrict(user_a).count() == 0  # no customer book


def test_customers_see_their_own_vouchers_and_seats_their_customers(two_merchants):
    *_, va, vb, _unused = two_merchants
    login = UserFactory(role=Role.CUSTOMER, customer=va.customer)
    assert list(Voucher.objects.restrict(login)) == [va]
    assert list(Redemption.objects.restrict(login).values_list("voucher", flat=True)) == [va.pk]
    seat = UserFactory(role=Role.SEAT)
    Customer.objects.filter(pk=vb.customer_id).update(owner=seat)
    assert list(Voucher.objects.restrict(seat)) == [vb]
    manager = UserFactory(role=Role.SERVICE_MANAGER)
    assert Voucher.objects.restrict(manager).count() == 3
    assert Redemption.objects.restrict(manager).count() == 2


def test_anonymous_and_partner_users_see_nothing(two_merchants):
    from django.contrib.auth.models import AnonymousUser

    partner = UserFactory(role=Role.PARTNER_USER)
    for user in (AnonymousUser(), partner):
        assert Voucher.objects.restrict(user).count() == 0
        assert Redemption.objects.restrict(user).count() == 0
    assert MerchantOffer.objects.restrict(AnonymousUser()).count() == 0


def test_a_merchant_sees_a_masked_customer_name():
    customer = CustomerFactory(name="张三丰")
    merchant_user = UserFactory(role=Role.MERCHANT_USER)
    assert customer.display_name_for(merchant_user) == "张**"


def test_a_merchant_user_never_reaches_a_customers_full_personal_details(two_merchants, client):
    """The merchant that redeemed a customer's voucher still cannot open the customer, reveal
    their phone or ID number, or read their name in full anywhere it can see them."""
    from django.core.exceptions import PermissionDenied

    from carecircle.core.models import AuditLog
    from carecircle.parties.services import reveal_pii

    (_, _, _, user_a), _, va, _, _ = two_merchants
    customer = va.customer
    client.force_login(user_a)
    assert client.get(f"/customers/{customer.pk}/").status_code in (403, 404)
    for field in ("phone", "id_number"):
        assert client.post(f"/customers/{customer.pk}/reveal/{field}/").status_code in (403, 404)
        with pytest.raises(PermissionDenied):
            reveal_pii(customer, field, acting_user=user_a)
    assert AuditLog.objects.filter(actor=user_a, action="denied").count() == 2
    listed = client.get("/api/alliance/redemptions").json()["items"]
    masked = customer.display_name_for(user_a)
    assert [r["customer"] for r in listed] == [masked]
    assert masked != customer.name and masked.endswith("*")
    assert customer.name not in client.get("/alliance/merchant/").content.decode()
