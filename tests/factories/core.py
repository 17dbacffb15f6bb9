"""Core factories: users and API tokens, and valid Chinese identifiers for the party factories."""

from __future__ import annotations

import datetime as dt

import factory

from carecircle.core.models import ApiToken, User
from carecircle.core.roles import Role
from carecircle.core.validators import id_number_check_char, vin_check_char

SH = dt.timezone(dt.timedelta(hours=8))  # Beijing time, the business clock's zone


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


class ApiTokenFactory(factory.django.DjangoModelFactory):
    """A token issued the way systems get one (``ApiToken.issue``); ``.raw`` is the bearer."""

    class Meta:
        model = ApiToken

    user = factory.SubFactory(UserFactory)
    name = "tests"

    @classmethod
    def _create(cls, model_class, user, name, **kwargs):
        token, raw = model_class.issue(user, name)
        token.raw = raw
        return token
