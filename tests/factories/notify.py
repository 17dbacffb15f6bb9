"""Notify: messages, unsubscribes and the customers' WeChat / e-mail addresses."""

from __future__ import annotations

import factory
from django.utils import timezone

from carecircle.core import pii
from carecircle.notify.models import ContactAddress, Message, Unsubscribe

from .parties import CustomerFactory


class MessageFactory(factory.django.DjangoModelFactory):
    """A queued service SMS."""

    class Meta:
        model = Message

    customer = factory.SubFactory(CustomerFactory)
    kind = "test"
    purpose = "service"
    channel = "sms"
    status = "queued"
    subject = "测试 / test"
    body = "测试消息 / a test message"
    created_at = factory.LazyFunction(timezone.now)


class UnsubscribeFactory(factory.django.DjangoModelFactory):
    """The customer said no to marketing (on every channel unless told)."""

    class Meta:
        model = Unsubscribe

    customer = factory.SubFactory(CustomerFactory)
    at = factory.LazyFunction(timezone.now)


class ContactAddressFactory(factory.django.DjangoModelFactory):
    """An e-mail address, encrypted at rest and masked for display."""

    class Meta:
        model = ContactAddress
        exclude = ("address",)

    customer = factory.SubFactory(CustomerFactory)
    channel = "email"
    address = factory.Sequence(lambda n: f"customer{n}@example.com")
    address_encrypted = factory.LazyAttribute(lambda o: pii.encrypt(o.address))
    address_masked = factory.LazyAttribute(
        lambda o: o.address[:2] + "***@" + o.address.split("@")[1]
    )
