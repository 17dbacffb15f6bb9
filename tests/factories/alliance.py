"""Alliance: merchants with a location and offers, products, entitlement packages, vouchers,
redemptions, bookings, ratings and monthly statements."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory

from carecircle.alliance import rules
from carecircle.alliance.models import (
    Booking,
    EntitlementItem,
    EntitlementPackage,
    MerchantLocation,
    MerchantOffer,
    Rating,
    Redemption,
    ServiceProduct,
    Statement,
    StatementLine,
    Voucher,
)
from carecircle.core.roles import Role

from .core import UserFactory
from .parties import CustomerFactory, PartnerFactory


class MerchantFactory(PartnerFactory):
    kind = "merchant"
    name = factory.Sequence(lambda n: f"测试洗车行{n}")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceProduct
        django_get_or_create = ("code",)

    code = "car_wash"
    kind = "car_wash"
    name = "精洗 / Car wash"
    public_price = Decimal("60.00")


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MerchantLocation

    merchant = factory.SubFactory(MerchantFactory)
    name = factory.Sequence(lambda n: f"门店{n}")
    city = "杭州"
    daily_capacity = 2


class OfferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MerchantOffer

    merchant = factory.SubFactory(MerchantFactory)
    product = factory.SubFactory(ProductFactory)
    price_to_insurer = Decimal("35.50")
    public_price = Decimal("60.00")


class PackageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EntitlementPackage

    code = factory.Sequence(lambda n: f"PKG{n}")
    name = factory.Sequence(lambda n: f"权益包{n}")


class ItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EntitlementItem

    package = factory.SubFactory(PackageFactory)
    product = factory.SubFactory(ProductFactory)
    quantity = 1


class VoucherFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Voucher

    code = factory.LazyFunction(rules.new_code)
    customer = factory.SubFactory(CustomerFactory)
    product = factory.SubFactory(ProductFactory)
    source = "manual"
    reason = "test"
    issued_at = factory.LazyFunction(lambda: dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC))
    valid_from = dt.date(2026, 1, 1)
    valid_until = dt.date(2026, 12, 31)


class RedemptionFactory(factory.django.DjangoModelFactory):
    """A completed redemption of a voucher at an offer's merchant and agreed price."""

    class Meta:
        model = Redemption

    offer = factory.SubFactory(OfferFactory)
    voucher = factory.SubFactory(
        VoucherFactory, product=factory.SelfAttribute("..offer.product"), status="redeemed"
    )
    merchant = factory.SelfAttribute("offer.merchant")
    agreed_price = factory.SelfAttribute("offer.price_to_insurer")
    redeemed_at = factory.LazyFunction(lambda: dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC))
    status = "completed"


class BookingFactory(factory.django.DjangoModelFactory):
    """A voucher booked at a merchant's location for a day."""

    class Meta:
        model = Booking

    location = factory.SubFactory(LocationFactory)
    merchant = factory.SelfAttribute("location.merchant")
    voucher = factory.SubFactory(VoucherFactory)
    day = dt.date(2026, 6, 2)


class RatingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rating

    redemption = factory.SubFactory(RedemptionFactory)
    merchant = factory.SelfAttribute("redemption.merchant")
    stars = 5


class StatementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Statement

    merchant = factory.SubFactory(MerchantFactory)
    month = dt.date(2026, 3, 1)


class StatementLineFactory(factory.django.DjangoModelFactory):
    """An adjustment line of a merchant's monthly statement."""

    class Meta:
        model = StatementLine

    statement = factory.SubFactory(StatementFactory)
    kind = "adjustment"
    amount = Decimal("10.00")


def merchant_user(merchant, username=None):
    return UserFactory(
        username=username or f"m{merchant.code}", role=Role.MERCHANT_USER, partner=merchant
    )


def merchant_with_offer(product=None, price="35.50"):
    """A merchant offering the product, one location, one merchant user."""
    offer = OfferFactory(product=product or ProductFactory(), price_to_insurer=Decimal(price))
    location = LocationFactory(merchant=offer.merchant)
    return offer.merchant, offer, location, merchant_user(offer.merchant)
