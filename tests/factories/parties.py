"""Parties: teams, partners and their contacts, customers (valid ID and mobile), vehicles."""

from __future__ import annotations

import datetime as dt

import factory

from carecircle.parties.consent import backfill_marketing
from carecircle.parties.models import Customer, Partner, PartnerContact, Team, Vehicle

from .core import make_id_number, make_phone, make_vin


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


class PartnerContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerContact

    partner = factory.SubFactory(PartnerFactory)
    name = factory.Sequence(lambda n: f"联系人{n}")


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
            if obj.marketing_consent:  # recorded as an import would: every marketing channel
                backfill_marketing([obj.pk])


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
