"""factory_boy factories for the foundation models; valid Chinese identifiers throughout."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory

from carecircle.core.models import User
from carecircle.core.roles import Role
from carecircle.core.validators import id_number_check_char, vin_check_char
from carecircle.parties.models import Customer, Partner, Team, Vehicle
from carecircle.policies.models import Coverage, Policy


def make_id_number(n: int) -> str:
    first17 = f"110105198{n % 10}0{1 + n % 9}1{n % 9}{n % 1000:03d}"[:17]
    return first17 + id_number_check_char(first17)


def make_vin(n: int) -> str:
    body = f"LSVAB4BR{n:09d}"[:17]
    vin = body[:8] + "0" + body[9:]
    return vin[:8] + vin_check_char(vin) + vin[9:]


def make_phone(n: int) -> str:
    return f"138{n:08d}"[:11]


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.SEAT
    password = factory.django.Password("pw-for-tests-1")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"电销{n}组")
    kind = "telesales"


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    code = factory.Sequence(lambda n: f"P{n:05d}")
    name = factory.Sequence(lambda n: f"测试4S店{n}")
    kind = "four_s_shop"
    city = "杭州"


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer
        skip_postgeneration_save = True

    customer_no = factory.Sequence(lambda n: f"C{n:08d}")
    name = factory.Sequence(lambda n: f"王{n}")
    city = "杭州"
    province = "浙江"

    @factory.post_generation
    def identity(obj, create, extracted, **kwargs):
        n = int(obj.customer_no[1:]) if obj.customer_no[1:].isdigit() else 1
        if not obj.phone_hash:
            obj.set_phone(make_phone(n))
        if not obj.id_number_hash and obj.kind == "person":
            obj.set_id_number(make_id_number(n))
        if create:
            obj.save()


class VehicleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vehicle

    vehicle_no = factory.Sequence(lambda n: f"V{n:08d}")
    owner = factory.SubFactory(CustomerFactory)
    vin = factory.Sequence(make_vin)
    plate = factory.Sequence(lambda n: f"浙A{n % 100000:05d}")
    brand = "大众"
    model = "朗逸"
    first_registration = dt.date(2021, 3, 1)


class PolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Policy

    policy_no = factory.Sequence(lambda n: f"PDAA2025{n:010d}")
    kind = "commercial"
    vehicle = factory.SubFactory(VehicleFactory)
    customer = factory.SelfAttribute("vehicle.owner")
    effective_date = dt.date(2025, 6, 1)
    expiry_date = dt.date(2026, 6, 1)
    premium = Decimal("2760.00")
    ncd_level = 0
    ncd_coefficient = Decimal("1.000")
    pricing_coefficient = Decimal("1.000")
    channel = "direct"


class CoverageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Coverage

    policy = factory.SubFactory(PolicyFactory)
    code = "vehicle_damage"
    premium = Decimal("1500.00")
